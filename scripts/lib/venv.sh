# shellcheck shell=bash
# ensure_venv EXTRA: create .venv with Python >= 3.11 and install the project with the given extra,
# reinstalling only when pyproject.toml changed (its hash is stamped in the venv).
ensure_venv() {
  local extra=$1 py stamp want
  if [[ ! -x .venv/bin/python ]]; then
    for py in python3.11 python3.12 python3.13 python3; do
      if command -v "$py" >/dev/null && "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        break
      fi
      py=
    done
    [[ -n ${py:-} ]] || { echo "need Python >= 3.11" >&2; exit 1; }
    if ! "$py" -m venv .venv 2>/dev/null; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
      "$py" -m venv .venv
    fi
  fi
  stamp=.venv/.installed-$extra
  want=$(sha256sum pyproject.toml | cut -c1-16)
  if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    echo "== installing the project ($extra) into .venv" >&2
    .venv/bin/python -m pip install -q --upgrade pip >&2
    .venv/bin/python -m pip install -q -e ".[$extra]" >&2
    echo "$want" >"$stamp"
  fi
}
