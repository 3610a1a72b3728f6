# Sourced by the scripts that build third-party tools from Go modules served by the Go module proxy
# (scripts/k8s/build-apiserver.sh, scripts/pulumi/build-pulumi.sh). The caller defines `up_to_date`.

export PATH="$PATH:/usr/local/go/bin"

# Exits the calling script when `up_to_date` holds; otherwise takes the cache's build lock and asks
# again. One build at a time: a test run and a CI step may both ask, and the winner's result is reused.
#   $1 the script's name in messages   $2 the cache folder   $3 what is built, in words
exit_if_built() {
  local name="$1" cache="$2" what="$3"
  if up_to_date; then echo "$name: $what already built"; exit 0; fi
  mkdir -p "$cache"
  exec 9>"$cache/.build.lock"
  flock 9
  if up_to_date; then echo "$name: $what already built"; exit 0; fi
  command -v go >/dev/null || { echo "$name: go not found (expected /usr/local/go/bin/go)" >&2; exit 1; }
}

# One field (GoMod, Dir, …) of `go mod download -json <module>@<version>`: where the go tool put it.
go_module_field() {
  go mod download -json "$1" | sed -n "s/^[[:space:]]*\"$2\": \"\(.*\)\",\{0,1\}\$/\1/p"
}
