# Sourced by ./jbang and ./mvnw: exports JAVA_HOME pointing at a JDK 21 or newer.
# Order: $JAVA_HOME, the java on PATH, then the usual install folders (Debian, SDKMAN, macOS).
_lmqt_java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1; }
_lmqt_find_jdk() {
  candidates=""
  [ -n "${JAVA_HOME:-}" ] && candidates="$JAVA_HOME"
  if command -v java >/dev/null 2>&1; then
    candidates="$candidates $(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
  fi
  for d in /usr/lib/jvm/* "$HOME"/.sdkman/candidates/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home /opt/java/*; do
    [ -x "$d/bin/javac" ] && candidates="$candidates $d"
  done
  for d in $candidates; do
    [ -x "$d/bin/java" ] || continue
    major=$(_lmqt_java_major "$d")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then echo "$d"; return 0; fi
  done
  return 1
}
if ! LMQT_JDK=$(_lmqt_find_jdk); then
  echo "lmqt needs a JDK 21 or newer; none found in JAVA_HOME, PATH or /usr/lib/jvm. Install one and set JAVA_HOME." >&2
  exit 1
fi
export JAVA_HOME="$LMQT_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
