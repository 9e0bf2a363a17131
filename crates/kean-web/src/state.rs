//! What every handler can reach: the application (through its gate).

use kean_app::App;

#[derive(Clone)]
pub struct AppState {
    pub app: App,
}
