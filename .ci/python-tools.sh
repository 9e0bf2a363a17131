# Sourced by .ci/run and .ci/schemathesis.sh: puts the Python tools CI uses
# on PATH — schemathesis 4 (fuzzes the API against its document) and
# openapi-spec-validator (checks the document itself). Tools already on PATH
# are used as they are; otherwise they are installed with pip into a virtual
# environment outside the tree (KEAN_CI_VENV, default
# ~/.cache/kean-ci/venv), which also works where the system Python refuses
# pip (PEP 668, Debian 12 and later).
kean_ci_python_tools() {
  local missing=()
  command -v schemathesis >/dev/null 2>&1 || missing+=('schemathesis>=4,<5')
  command -v openapi-spec-validator >/dev/null 2>&1 || missing+=('openapi-spec-validator>=0.7,<1')
  [ ${#missing[@]} -eq 0 ] && return 0
  local venv=${KEAN_CI_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/kean-ci/venv}
  if [ ! -x "$venv/bin/pip" ]; then
    if ! python3 -m venv "$venv" >/dev/null 2>&1; then
      # Debian's python3 has venv in a package of its own.
      if command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
      fi
      rm -rf "$venv"
      python3 -m venv "$venv"
    fi
  fi
  export PATH="$venv/bin:$PATH"
  missing=()
  command -v schemathesis >/dev/null 2>&1 || missing+=('schemathesis>=4,<5')
  command -v openapi-spec-validator >/dev/null 2>&1 || missing+=('openapi-spec-validator>=0.7,<1')
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing into $venv: ${missing[*]}"
    "$venv/bin/pip" install -q "${missing[@]}"
  fi
}
kean_ci_python_tools
