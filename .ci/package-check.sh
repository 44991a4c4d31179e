#!/usr/bin/env bash
# Proves the GoSync NuGet package works on first try, the way a user gets it:
#   1. packs src/GoSync (Release) into a temporary folder: GoSync.<version>.nupkg + .snupkg;
#   2. checks the package's contents and metadata (both frameworks, XML docs, readme, license,
#      repository, symbols, trimming/AOT flags) and that a clean rebuild gives the same bytes;
#   3. restores .ci/consumer (a console app with a PackageReference to GoSync) from that folder,
#      with an empty NuGet cache so no earlier GoSync can be picked up, then builds and runs it;
#   4. does the same against the package's net8.0 asset;
#   5. publishes the consumer trimmed and self-contained (trim warnings are errors) and runs it;
#   6. tries a NativeAOT publish, and skips it with the reason when this machine cannot do one;
#   7. packs src/GoSync.Redis into the same folder and checks its contents and dependencies;
#   8. restores .ci/consumer-redis (a PackageReference to GoSync.Redis only) from that folder, builds and runs it,
#      against a local redis-server when one is installed, otherwise with the checks that need no server; then
#      publishes it trimmed (trim warnings as errors) and runs that too.
# Exits non-zero on the first failure. Called by .ci/run; run it alone with `bash .ci/package-check.sh`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/gosync-package-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT

feed="$work/feed"             # the local package source: only what this run packed
packages="$work/packages"     # the consumer's NuGet cache, empty at start
nuget_org="https://api.nuget.org/v3/index.json"

step() { printf '\n=== package-check: %s\n' "$*"; }
fail() { printf 'package-check: FAILED: %s\n' "$*" >&2; exit 1; }

# Note: `zip_cat ... | grep -q` would fail under pipefail once an entry outgrows the pipe buffer (grep -q exits at the
# first match and the writer dies of SIGPIPE), so the checks below use grep -c, which reads everything.

# Lists a zip's entries, one per line.
zip_entries() {
  if command -v unzip >/dev/null 2>&1; then
    unzip -Z1 "$1"
  else
    python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"
  fi
}

# Prints one entry of a zip.
zip_cat() {
  if command -v unzip >/dev/null 2>&1; then
    unzip -p "$1" "$2"
  else
    python3 -c 'import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())' "$1" "$2"
  fi
}

require_entry() { # list, entry, what
  grep -qxF "$2" <<<"$1" || fail "$3 lacks $2"
}

# ---------------------------------------------------------------------------------------------
step "1/6 pack src/GoSync (Release) into $feed"
# TreatWarningsAsErrors (Directory.Build.props) makes every warning fail the pack, including the
# trim and AOT analyzers' warnings, which IsTrimmable/IsAotCompatible switch on.
properties=(IsPackable IsAotCompatible IsTrimmable Deterministic GenerateDocumentationFile IncludeSymbols TreatWarningsAsErrors)
evaluated="$(dotnet msbuild "$root/src/GoSync/GoSync.csproj" -nologo "${properties[@]/#/-getProperty:}")"
for property in "${properties[@]}"; do
  grep -qiE "\"$property\": *\"true\"" <<<"$evaluated" || { echo "$evaluated" >&2; fail "src/GoSync: $property is not true"; }
  echo "$property = true"
done
dotnet pack "$root/src/GoSync/GoSync.csproj" -c Release -o "$feed" -nologo

shopt -s nullglob
nupkgs=("$feed"/GoSync.*.nupkg)
shopt -u nullglob
[[ ${#nupkgs[@]} -eq 1 ]] || fail "expected one GoSync.<version>.nupkg in $feed, found ${#nupkgs[@]}"
nupkg="${nupkgs[0]}"
version="$(basename "$nupkg" .nupkg)"
version="${version#GoSync.}"
snupkg="$feed/GoSync.$version.snupkg"
[[ -f "$snupkg" ]] || fail "no symbols package $snupkg"
echo "packed GoSync $version: $(basename "$nupkg"), $(basename "$snupkg")"

# ---------------------------------------------------------------------------------------------
step "2/6 package contents and metadata"
entries="$(zip_entries "$nupkg")"
echo "$entries" | sed 's/^/  /'
for entry in lib/net8.0/GoSync.dll lib/net8.0/GoSync.xml lib/net10.0/GoSync.dll lib/net10.0/GoSync.xml README.md GoSync.nuspec; do
  require_entry "$entries" "$entry" "$(basename "$nupkg")"
done

nuspec="$(zip_cat "$nupkg" GoSync.nuspec)"
echo "$nuspec" | sed 's/^/  /'
expect_nuspec() { # pattern (extended regex), what
  grep -qE "$1" <<<"$nuspec" || { echo "$nuspec" >&2; fail "nuspec: no $2"; }
  echo "nuspec: $2"
}
expect_nuspec "<id>GoSync</id>" "id GoSync"
expect_nuspec "<version>$version</version>" "version $version"
expect_nuspec '<license type="expression">MIT</license>' "MIT license expression"
expect_nuspec '<readme>README.md</readme>' "README.md as the package readme"
expect_nuspec '<repository type="git" url="https://[^"]+"' "repository (type git, url)"
expect_nuspec '<projectUrl>https://[^<]+</projectUrl>' "project url"
expect_nuspec '<description>[^<]+</description>' "description"
expect_nuspec '<group targetFramework="net8.0"' "net8.0 dependency group"
expect_nuspec '<group targetFramework="net10.0"' "net10.0 dependency group"

# The packed readme is the repository's README.
cmp -s <(zip_cat "$nupkg" README.md) "$root/README.md" || fail "the packed README.md differs from the repository's README.md"
echo "README.md: same as the repository's"

# The XML docs document the public type (IntelliSense for users).
for tfm in net8.0 net10.0; do
  zip_cat "$nupkg" "lib/$tfm/GoSync.xml" | grep -cF '<member name="T:GoSync.SyncMap`2">' >/dev/null \
    || fail "lib/$tfm/GoSync.xml does not document GoSync.SyncMap\`2"
  echo "lib/$tfm/GoSync.xml: documents GoSync.SyncMap\`2"
done

# IsTrimmable stamps [assembly: AssemblyMetadata("IsTrimmable", "True")] into each assembly.
for tfm in net8.0 net10.0; do
  zip_cat "$nupkg" "lib/$tfm/GoSync.dll" | grep -ca "IsTrimmable" >/dev/null || fail "lib/$tfm/GoSync.dll carries no IsTrimmable metadata"
  echo "lib/$tfm/GoSync.dll: marked IsTrimmable"
done

# Deterministic: compiling the same sources again gives the same bytes as the packed assembly.
dotnet build "$root/src/GoSync/GoSync.csproj" -c Release -f net10.0 --no-incremental -nologo -v:q
cmp -s <(zip_cat "$nupkg" lib/net10.0/GoSync.dll) "$root/src/GoSync/bin/Release/net10.0/GoSync.dll" \
  || fail "a clean rebuild of GoSync (net10.0) differs from the packed lib/net10.0/GoSync.dll: the build is not deterministic"
echo "lib/net10.0/GoSync.dll: a clean rebuild is byte-identical (deterministic)"

symbols="$(zip_entries "$snupkg")"
for entry in lib/net8.0/GoSync.pdb lib/net10.0/GoSync.pdb; do
  require_entry "$symbols" "$entry" "$(basename "$snupkg")"
done
echo "$(basename "$snupkg"): lib/net8.0/GoSync.pdb, lib/net10.0/GoSync.pdb"

# ---------------------------------------------------------------------------------------------
# The consumer restores from the local folder (GoSync) and the public source (the SDK's own
# packs), with source mapping so GoSync can only come from the local folder, into an empty cache.
cat > "$work/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$feed" />
    <add key="nuget.org" value="$nuget_org" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local">
      <package pattern="GoSync" />
      <package pattern="GoSync.Redis" />
    </packageSource>
    <packageSource key="nuget.org">
      <package pattern="*" />
    </packageSource>
  </packageSourceMapping>
</configuration>
EOF
export NUGET_PACKAGES="$packages"

# Copies the consumer out of the repository, so nothing of the repository's build applies to it.
new_consumer() { # destination
  mkdir -p "$1"
  cp "$root/.ci/consumer/Consumer.csproj" "$root/.ci/consumer/Program.cs" \
     "$root/.ci/consumer/Directory.Build.props" "$root/.ci/consumer/Directory.Packages.props" "$1/"
}

# Runs a built consumer and checks which GoSync asset it loaded.
run_consumer() { # expected target framework (e.g. v10.0), command...
  local expected="$1" output
  shift
  output="$("$@")" || { echo "$output"; fail "the consumer exited non-zero"; }
  echo "$output"
  grep -qF "[.NETCoreApp,Version=$expected]" <<<"$output" || fail "the consumer did not load GoSync's $expected asset"
}

# ---------------------------------------------------------------------------------------------
step "3/6 consumer (net10.0): restore GoSync $version from the local folder, build, run"
consumer="$work/consumer"
new_consumer "$consumer"
dotnet restore "$consumer/Consumer.csproj" --configfile "$work/nuget.config" -p:GoSyncVersion="$version" -nologo
cmp -s "$packages/gosync/$version/gosync.$version.nupkg" "$nupkg" \
  || fail "the consumer's restored GoSync is not the package packed in step 1"
grep -qF "\"GoSync/$version\"" "$consumer/obj/project.assets.json" || fail "project.assets.json does not list GoSync/$version"
echo "restored: GoSync $version (byte-identical to the packed .nupkg)"
dotnet build "$consumer/Consumer.csproj" -c Release --no-restore -p:GoSyncVersion="$version" -nologo
run_consumer "v10.0" dotnet "$consumer/bin/Release/net10.0/Consumer.dll"
done_steps="net10.0"

# ---------------------------------------------------------------------------------------------
step "4/6 consumer (net8.0): build against lib/net8.0 and run it (on the newest installed runtime)"
consumer8="$work/consumer-net8"
new_consumer "$consumer8"
dotnet restore "$consumer8/Consumer.csproj" --configfile "$work/nuget.config" -p:GoSyncVersion="$version" -p:TargetFramework=net8.0 -nologo
dotnet build "$consumer8/Consumer.csproj" -c Release --no-restore -p:GoSyncVersion="$version" -p:TargetFramework=net8.0 -nologo
# Only the .NET 10 runtime may be installed: roll the net8.0 app forward onto it.
run_consumer "v8.0" env DOTNET_ROLL_FORWARD=Major dotnet "$consumer8/bin/Release/net8.0/Consumer.dll"
done_steps+=", net8.0"

# ---------------------------------------------------------------------------------------------
case "$(uname -m)" in
  x86_64 | amd64) rid="linux-x64" ;;
  aarch64 | arm64) rid="linux-arm64" ;;
  *) rid="" ;;
esac
[[ "$(uname -s)" == "Linux" ]] || rid=""

step "5/6 consumer: trimmed self-contained publish ($rid), trim warnings as errors, then run"
if [[ -z "$rid" ]]; then
  echo "SKIPPED: no linux-x64/linux-arm64 runtime identifier for $(uname -s) $(uname -m)"
elif ! dotnet restore "$consumer/Consumer.csproj" --configfile "$work/nuget.config" -p:GoSyncVersion="$version" \
       -r "$rid" -p:PublishTrimmed=true -p:SelfContained=true -nologo >"$work/trim-restore.log" 2>&1; then
  tail -n 5 "$work/trim-restore.log"
  echo "SKIPPED: the runtime pack or Microsoft.NET.ILLink.Tasks for $rid could not be restored (log above)"
else
  dotnet publish "$consumer/Consumer.csproj" -c Release --no-restore -r "$rid" --self-contained -p:PublishTrimmed=true \
    -p:GoSyncVersion="$version" -o "$work/trimmed" -nologo
  run_consumer "v10.0" "$work/trimmed/Consumer"
  done_steps+=", trimmed $rid"
fi

# ---------------------------------------------------------------------------------------------
step "6/6 consumer: NativeAOT publish ($rid), if this machine can"
aot_consumer="$work/consumer-aot"
new_consumer "$aot_consumer"
if [[ -z "$rid" ]]; then
  echo "SKIPPED: no linux runtime identifier for $(uname -s) $(uname -m)"
elif ! command -v clang >/dev/null 2>&1; then
  echo "SKIPPED: NativeAOT needs clang as its linker, and clang is not installed"
elif ! dotnet restore "$aot_consumer/Consumer.csproj" --configfile "$work/nuget.config" -p:GoSyncVersion="$version" \
       -r "$rid" -p:PublishAot=true -nologo >"$work/aot-restore.log" 2>&1; then
  tail -n 5 "$work/aot-restore.log"
  echo "SKIPPED: the NativeAOT compiler package for $rid could not be restored (log above)"
else
  dotnet publish "$aot_consumer/Consumer.csproj" -c Release --no-restore -r "$rid" -p:PublishAot=true \
    -p:GoSyncVersion="$version" -o "$work/aot" -nologo
  run_consumer "v10.0" "$work/aot/Consumer"
  done_steps+=", NativeAOT $rid"
fi

# ---------------------------------------------------------------------------------------------
step "7/8 pack src/GoSync.Redis (Release) into $feed, contents and dependencies"
evaluated="$(dotnet msbuild "$root/src/GoSync.Redis/GoSync.Redis.csproj" -nologo "${properties[@]/#/-getProperty:}")"
for property in "${properties[@]}"; do
  grep -qiE "\"$property\": *\"true\"" <<<"$evaluated" || { echo "$evaluated" >&2; fail "src/GoSync.Redis: $property is not true"; }
done
dotnet pack "$root/src/GoSync.Redis/GoSync.Redis.csproj" -c Release -o "$feed" -nologo
redis_nupkg="$feed/GoSync.Redis.$version.nupkg"
[[ -f "$redis_nupkg" && -f "$feed/GoSync.Redis.$version.snupkg" ]] || fail "no GoSync.Redis.$version.nupkg/.snupkg in $feed"
redis_entries="$(zip_entries "$redis_nupkg")"
for entry in lib/net8.0/GoSync.Redis.dll lib/net8.0/GoSync.Redis.xml lib/net10.0/GoSync.Redis.dll lib/net10.0/GoSync.Redis.xml README.md GoSync.Redis.nuspec; do
  require_entry "$redis_entries" "$entry" "$(basename "$redis_nupkg")"
done
redis_nuspec="$(zip_cat "$redis_nupkg" GoSync.Redis.nuspec)"
for pattern in "<id>GoSync.Redis</id>" "<dependency id=\"GoSync\" version=\"$version\"" '<dependency id="StackExchange.Redis" version="3.4.35"' \
               '<license type="expression">MIT</license>' '<repository type="git" url="https://[^"]+"'; do
  grep -qE "$pattern" <<<"$redis_nuspec" || { echo "$redis_nuspec" >&2; fail "GoSync.Redis.nuspec: no $pattern"; }
  echo "GoSync.Redis.nuspec: $pattern"
done
for tfm in net8.0 net10.0; do
  zip_cat "$redis_nupkg" "lib/$tfm/GoSync.Redis.xml" | grep -cF '<member name="T:GoSync.Redis.RedisSyncMap`2">' >/dev/null \
    || fail "lib/$tfm/GoSync.Redis.xml does not document GoSync.Redis.RedisSyncMap\`2"
  zip_cat "$redis_nupkg" "lib/$tfm/GoSync.Redis.dll" | grep -ca "IsTrimmable" >/dev/null || fail "lib/$tfm/GoSync.Redis.dll carries no IsTrimmable metadata"
  echo "lib/$tfm/GoSync.Redis: documented, marked IsTrimmable"
done

# ---------------------------------------------------------------------------------------------
step "8/8 consumer-redis (net10.0): restore GoSync.Redis $version (and GoSync) from the local folder, build, run"
consumer_redis="$work/consumer-redis"
mkdir -p "$consumer_redis"
cp "$root/.ci/consumer-redis/ConsumerRedis.csproj" "$root/.ci/consumer-redis/Program.cs" \
   "$root/.ci/consumer-redis/Directory.Build.props" "$root/.ci/consumer-redis/Directory.Packages.props" "$consumer_redis/"
dotnet restore "$consumer_redis/ConsumerRedis.csproj" --configfile "$work/nuget.config" -p:GoSyncVersion="$version" -nologo
cmp -s "$packages/gosync.redis/$version/gosync.redis.$version.nupkg" "$redis_nupkg" \
  || fail "the consumer's restored GoSync.Redis is not the package packed in step 7"
grep -qF "\"GoSync/$version\"" "$consumer_redis/obj/project.assets.json" || fail "GoSync.Redis did not bring GoSync/$version"
dotnet build "$consumer_redis/ConsumerRedis.csproj" -c Release --no-restore -p:GoSyncVersion="$version" -nologo
redis_server_pid=""
stop_redis_server() { [[ -n "$redis_server_pid" ]] && kill "$redis_server_pid" 2>/dev/null; redis_server_pid=""; }
trap 'stop_redis_server; rm -rf "$work"' EXIT
redis_endpoint=""
if command -v redis-server >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis.log"
  for _ in $(seq 1 50); do [[ -s "$work/redis.pid" ]] && break; sleep 0.1; done
  redis_server_pid="$(cat "$work/redis.pid" 2>/dev/null || true)"
  [[ -n "$redis_server_pid" ]] && redis_endpoint="127.0.0.1:$port"
fi
if [[ -n "$redis_endpoint" ]]; then
  echo "against redis-server on $redis_endpoint (PID $redis_server_pid)"
else
  echo "no redis-server here: the consumer runs the checks that need no server"
fi
output="$(GOSYNC_REDIS="$redis_endpoint" dotnet "$consumer_redis/bin/Release/net10.0/ConsumerRedis.dll")" || { echo "$output"; fail "the Redis consumer exited non-zero"; }
echo "$output"
grep -qF "[.NETCoreApp,Version=v10.0]" <<<"$output" || fail "the Redis consumer did not load GoSync.Redis's v10.0 asset"
done_steps+=", GoSync.Redis consumer"

# The same consumer published trimmed (its trim warnings, GoSync.Redis's and StackExchange.Redis's included, are errors).
if [[ "$done_steps" == *trimmed* ]]; then
  dotnet publish "$consumer_redis/ConsumerRedis.csproj" -c Release -r "$rid" --self-contained -p:PublishTrimmed=true \
    -p:TrimmerSingleWarn=false -p:GoSyncVersion="$version" --configfile "$work/nuget.config" -o "$work/trimmed-redis" -nologo
  output="$(GOSYNC_REDIS="$redis_endpoint" "$work/trimmed-redis/ConsumerRedis")" || { echo "$output"; fail "the trimmed Redis consumer exited non-zero"; }
  echo "$output"
  done_steps+=", GoSync.Redis consumer trimmed $rid"
else
  echo "SKIPPED: trimmed GoSync.Redis consumer (the trimmed publish of step 5 was skipped on this machine)"
fi
stop_redis_server

step "passed: GoSync and GoSync.Redis $version pack, install from a local package source and work: $done_steps"
