# Sourced by the tests/cli scripts that render a page in headless Chromium
# (lab_run.sh, compare_html.sh).  gq_find_chromium WHO sets $browser to a
# Chromium on PATH, installing Debian's chromium with apt-get when there is
# none; the test fails (exit 1) when that is impossible — a rendering check
# that cannot render is not skipped.
gq_find_chromium() {
  local who=$1 b sudo_cmd=""
  browser=""
  for b in chromium chromium-browser google-chrome; do
    command -v "$b" >/dev/null 2>&1 && { browser=$b; return 0; }
  done
  echo "$who: chromium is missing; installing it (apt-get install -y chromium)" >&2
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  if command -v apt-get >/dev/null 2>&1; then
    $sudo_cmd apt-get update -qq >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null 2>&1
  fi
  command -v chromium >/dev/null 2>&1 && { browser=chromium; return 0; }
  echo "FAIL: this test needs Chromium (Debian package chromium) and could not install it" >&2
  exit 1
}
