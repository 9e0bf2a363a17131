//! Monitoring rules (风险监测规则) held as data (issue 15): a rule is a
//! CEL expression over a record and what it references, with a level, a
//! risk category and a message. CEL has no loops of its own and no side
//! effects, so a rule cannot hang or write; but it has no type checker
//! either, so a misspelt field would silently be false. [`Rule::compile`]
//! therefore walks the expression and refuses, with the line and column,
//! any name or field the schema does not have — at save, not at run time.
//!
//! Pure: no I/O, no clock. The application gives each root name (say
//! `record`, `seller`) the fields its kind has, and at evaluation the
//! values.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use cel::common::ast::{EntryExpr, Expr, IdedExpr};

/// A value a rule reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    List(Vec<Value>),
}

impl From<&Value> for cel::Value {
    fn from(v: &Value) -> cel::Value {
        match v {
            Value::Null => cel::Value::Null,
            Value::Bool(b) => cel::Value::Bool(*b),
            Value::Int(i) => cel::Value::Int(*i),
            Value::Float(f) => cel::Value::Float(*f),
            Value::Text(s) => cel::Value::from(s.as_str()),
            Value::List(items) => cel::Value::List(std::sync::Arc::new(items.iter().map(cel::Value::from).collect())),
        }
    }
}

/// The names a rule may use: each root (`record`, `seller` …) and its fields.
#[derive(Debug, Clone, Default)]
pub struct Names {
    roots: BTreeMap<String, BTreeSet<String>>,
}

impl Names {
    pub fn new() -> Names {
        Names::default()
    }
    /// Adds a root with its fields.
    pub fn root<'a>(mut self, name: &str, fields: impl IntoIterator<Item = &'a str>) -> Names {
        self.roots
            .insert(name.to_string(), fields.into_iter().map(str::to_string).collect());
        self
    }
}

/// Why a rule was refused, where (1-based line and column; 0 when the
/// position is not known), in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub line: usize,
    pub column: usize,
    pub zh: String,
    pub en: String,
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.en)
    }
}

/// A rule whose every name the schema has: ready to evaluate.
pub struct Rule {
    program: cel::Program,
    /// The roots it reads (only those need values).
    roots: BTreeSet<String>,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule").field("roots", &self.roots).finish()
    }
}

/// Line and column (1-based, in characters) of a character offset.
fn position(source: &str, offset: usize) -> (usize, usize) {
    let (mut line, mut column) = (1, 1);
    for ch in source.chars().take(offset) {
        if ch == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

impl Rule {
    /// Parses `source` and checks every name it uses against `names`.
    pub fn compile(source: &str, names: &Names) -> Result<Rule, RuleError> {
        if source.trim().is_empty() {
            return Err(RuleError {
                line: 1,
                column: 1,
                zh: "规则表达式为空".into(),
                en: "the rule is empty".into(),
            });
        }
        let program = cel::Program::compile(source).map_err(|e| {
            let first = e.errors.first();
            let (line, column) = first.map_or((0, 0), |p| (p.pos.0.max(0) as usize, p.pos.1.max(0) as usize + 1));
            let msg = first.map_or_else(|| e.to_string(), |p| p.msg.clone());
            RuleError {
                line,
                column,
                zh: format!("第{line}行第{column}列：语法错误（{msg}）"),
                en: format!("line {line}, column {column}: syntax error ({msg})"),
            }
        })?;
        let mut roots = BTreeSet::new();
        let mut scope = Vec::new();
        check(program.expression(), &program, source, names, &mut scope, &mut roots)?;
        Ok(Rule { program, roots })
    }

    /// The roots the rule reads.
    pub fn roots(&self) -> impl Iterator<Item = &str> {
        self.roots.iter().map(String::as_str)
    }

    /// Evaluates the rule over these values (root → field → value; a field
    /// missing is null). It must give true or false: anything else, or an
    /// error (a comparison of text with a number), is reported, never a panic.
    pub fn evaluate(&self, values: &HashMap<String, BTreeMap<String, Value>>) -> Result<bool, RuleError> {
        let mut ctx = cel::Context::default();
        for root in &self.roots {
            let fields: HashMap<String, cel::Value> = values
                .get(root)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), cel::Value::from(v))).collect())
                .unwrap_or_default();
            ctx.add_variable_from_value(root.clone(), fields);
        }
        match self.program.execute(&ctx) {
            Ok(cel::Value::Bool(b)) => Ok(b),
            Ok(other) => Err(RuleError {
                line: 0,
                column: 0,
                zh: format!("规则的结果须为真或假，此处为 {other:?}"),
                en: format!("a rule must give true or false, not {other:?}"),
            }),
            Err(e) => Err(RuleError {
                line: 0,
                column: 0,
                zh: format!("规则运行出错：{e}"),
                en: format!("the rule failed: {e}"),
            }),
        }
    }
}

fn unknown(program: &cel::Program, source: &str, id: u64, zh: String, en: String) -> RuleError {
    let (line, column) = program
        .source_info()
        .offset_for(id)
        .map_or((0, 0), |(start, _)| position(source, start as usize));
    RuleError {
        line,
        column,
        zh: format!("第{line}行第{column}列：{zh}"),
        en: format!("line {line}, column {column}: {en}"),
    }
}

/// Walks the expression: an identifier is a root or a variable a
/// comprehension (`exists`, `all` …) bound; a root's field must be one of
/// its kind; nothing deeper than `root.field` is read from a root.
fn check(
    e: &IdedExpr,
    program: &cel::Program,
    source: &str,
    names: &Names,
    scope: &mut Vec<String>,
    roots: &mut BTreeSet<String>,
) -> Result<(), RuleError> {
    let mut go = |e: &IdedExpr, scope: &mut Vec<String>| check(e, program, source, names, scope, roots);
    match &e.expr {
        Expr::Ident(name) => {
            if scope.iter().any(|v| v == name) {
                return Ok(());
            }
            if names.roots.contains_key(name) {
                return Err(unknown(
                    program,
                    source,
                    e.id,
                    format!("“{name}”须写明字段，如 {name}.字段名"),
                    format!("'{name}' must name a field, as in {name}.field"),
                ));
            }
            let known: Vec<&str> = names.roots.keys().map(String::as_str).collect();
            Err(unknown(
                program,
                source,
                e.id,
                format!("未知名称“{name}”（可用：{}）", known.join("、")),
                format!("unknown name '{name}' (known: {})", known.join(", ")),
            ))
        }
        Expr::Select(s) => match &s.operand.expr {
            Expr::Ident(root) if !scope.iter().any(|v| v == root) => match names.roots.get(root) {
                Some(fields) if fields.contains(&s.field) => {
                    roots.insert(root.clone());
                    Ok(())
                }
                Some(_) => Err(unknown(
                    program,
                    source,
                    e.id,
                    format!("“{root}”没有字段“{}”", s.field),
                    format!("'{root}' has no field '{}'", s.field),
                )),
                None => go(&s.operand, scope),
            },
            _ => go(&s.operand, scope),
        },
        Expr::Call(c) => {
            if let Some(t) = &c.target {
                go(t, scope)?;
            }
            for a in &c.args {
                go(a, scope)?;
            }
            Ok(())
        }
        Expr::List(l) => l.elements.iter().try_for_each(|x| go(x, scope)),
        Expr::Map(cel::common::ast::MapExpr { entries })
        | Expr::Struct(cel::common::ast::StructExpr { entries, .. }) => {
            entries.iter().try_for_each(|en| match &en.expr {
                EntryExpr::MapEntry(me) => {
                    go(&me.key, scope)?;
                    go(&me.value, scope)
                }
                EntryExpr::StructField(sf) => go(&sf.value, scope),
            })
        }
        Expr::Comprehension(c) => {
            go(&c.iter_range, scope)?;
            go(&c.accu_init, scope)?;
            let depth = scope.len();
            scope.push(c.iter_var.clone());
            if let Some(v) = &c.iter_var2 {
                scope.push(v.clone());
            }
            scope.push(c.accu_var.clone());
            let inner = go(&c.loop_cond, scope)
                .and_then(|_| go(&c.loop_step, scope))
                .and_then(|_| go(&c.result, scope));
            scope.truncate(depth);
            inner
        }
        Expr::Literal(_) | Expr::Unspecified => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn contract_names() -> Names {
        Names::new().root(
            "record",
            ["buyer_name", "buyer_country", "contract_value", "licence_no", "items"],
        )
    }

    fn values(pairs: &[(&str, Value)]) -> HashMap<String, BTreeMap<String, Value>> {
        let fields = pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        HashMap::from([("record".to_string(), fields)])
    }

    #[test]
    fn a_rule_over_a_contract_evaluates() {
        let rule = Rule::compile(
            "record.buyer_country != 'CN' && record.items.exists(i, i.startsWith('2039')) && record.licence_no == null",
            &contract_names(),
        )
        .unwrap();
        assert_eq!(rule.roots().collect::<Vec<_>>(), vec!["record"]);
        let abroad = values(&[
            ("buyer_country", Value::Text("DE".into())),
            ("items", Value::List(vec![Value::Text("203912X".into())])),
            ("licence_no", Value::Null),
        ]);
        assert_eq!(rule.evaluate(&abroad), Ok(true));
        let mut licensed = abroad.clone();
        licensed
            .get_mut("record")
            .unwrap()
            .insert("licence_no".into(), Value::Text("2026-JX-1".into()));
        assert_eq!(rule.evaluate(&licensed), Ok(false));
    }

    #[test]
    fn a_misspelt_field_is_refused_at_save_with_its_position() {
        let e = Rule::compile(
            "record.buyer_country == 'US' &&\n  record.contract_valeu > 1000000",
            &contract_names(),
        )
        .unwrap_err();
        assert!(e.en.contains("'record' has no field 'contract_valeu'"), "{e}");
        assert_eq!(e.line, 2, "{e:?}");
        assert!(e.zh.contains("没有字段"), "{e:?}");
        let e = Rule::compile("contract.buyer_country == 'US'", &contract_names()).unwrap_err();
        assert!(e.en.contains("unknown name 'contract'"), "{e}");
        assert_eq!((e.line, e.column), (1, 1), "{e:?}");
        let e = Rule::compile("record == null", &contract_names()).unwrap_err();
        assert!(e.en.contains("must name a field"), "{e}");
    }

    #[test]
    fn a_syntax_error_names_its_line_and_column() {
        let e = Rule::compile("record.buyer_country == 'US' &&& true", &contract_names()).unwrap_err();
        assert_eq!(e.line, 1, "{e:?}");
        assert!(e.column > 20, "{e:?}");
        assert!(e.zh.starts_with("第1行"), "{e:?}");
        assert!(Rule::compile("  ", &contract_names()).is_err());
    }

    #[test]
    fn comprehension_variables_are_in_scope_only_inside() {
        assert!(Rule::compile("record.items.all(x, x != '')", &contract_names()).is_ok());
        let e = Rule::compile("record.items.all(x, x != '') && x == ''", &contract_names()).unwrap_err();
        assert!(e.en.contains("unknown name 'x'"), "{e}");
    }

    #[test]
    fn a_rule_that_fails_at_run_time_is_reported_not_panicked() {
        let rule = Rule::compile("record.contract_value > 'many'", &contract_names()).unwrap();
        let e = rule
            .evaluate(&values(&[("contract_value", Value::Int(5))]))
            .unwrap_err();
        assert!(e.en.starts_with("the rule failed"), "{e}");
        let rule = Rule::compile("record.contract_value + 1", &contract_names()).unwrap();
        let e = rule
            .evaluate(&values(&[("contract_value", Value::Int(5))]))
            .unwrap_err();
        assert!(e.en.contains("true or false"), "{e}");
    }
}
