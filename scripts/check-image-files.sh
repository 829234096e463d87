#!/usr/bin/env bash
# What the production image holds, without Docker: copies the build context (.dockerignore's
# exclusions) to a temporary directory, runs the build stage's RUN lines of the Dockerfile there,
# assembles the runtime stage's `COPY --from=build` paths, then checks that
#   - no dev/ (demo data, development inbox), bench/, test/ or spec file is in the image;
#   - the entry points load from the image's files alone (each stops at its first missing
#     setting, not at a missing module).
# Prints one line per problem and exits 1 if any; prints the image's dist/ folders otherwise.
#   scripts/check-image-files.sh        (run by test/production-image.e2e.ts)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/entraide-image.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
ctx=$tmp/context run=$tmp/runtime
mkdir -p "$ctx" "$run"

# The build context: the work tree minus .dockerignore's entries (which are plain names and globs).
excludes=()
while IFS= read -r pattern; do
  [[ -z $pattern || $pattern == \#* ]] && continue
  excludes+=("--exclude=./${pattern#\*\*/}")
done <"$root/.dockerignore"
tar -C "$root" "${excludes[@]}" -cf - . | tar -C "$ctx" -xf -
# The deps stage's npm ci, shared instead of repeated.
ln -s "$root/node_modules" "$ctx/node_modules"

# The build stage: every RUN line between `FROM deps AS build` and the next FROM.
build_cmds=$(awk '/^FROM .* AS build$/ { on = 1; next } /^FROM / { on = 0 } on && /^RUN / { sub(/^RUN /, ""); print }' "$root/Dockerfile")
[ -n "$build_cmds" ] || { echo "check-image-files: no RUN line in the Dockerfile's build stage" >&2; exit 1; }
(cd "$ctx" && bash -euo pipefail -c "$build_cmds") >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; echo "check-image-files: the build stage failed" >&2; exit 1; }

# The runtime stage: its COPY lines (from the build stage, or from the context).
while read -r from src dest; do
  if [ "$from" = "--from=build" ]; then path=$ctx/${src#/app/}; else path=$ctx/$src; fi
  mkdir -p "$run/$(dirname "${dest#./}")"
  cp -R "$path" "$run/${dest#./}"
done < <(awk '/^FROM .* AS runtime$/ { on = 1; next } /^FROM / { on = 0 } on && /^COPY / { if ($2 ~ /^--from=/) print $2, $3, $4; else if (NF == 3) print "-", $2, $3 }' "$root/Dockerfile")

problems=0
problem() { echo "check-image-files: $*" >&2; problems=$((problems + 1)); }
[ -d "$run/dist" ] || problem "the runtime stage copies no dist/"
for dir in dev bench test scripts; do
  [ ! -e "$run/dist/$dir" ] || problem "the image holds dist/$dir/"
done
specs=$(cd "$run" && find . -name '*.spec.js' -o -name '*.e2e.js' | head -3)
[ -z "$specs" ] || problem "the image holds tests: $specs"

# Each entry point, from the image's files, with no setting: it must stop at configuration.
ln -s "$root/node_modules" "$run/node_modules"
for entry in "dist/src/main.js" "dist/src/worker.js" "dist/src/cli.js tenants:sync" "dist/libs/db/migrate.js"; do
  # shellcheck disable=SC2086
  out=$(cd "$run" && env -i PATH="$PATH" NODE_ENV=production node $entry 2>&1) && problem "$entry started without settings"
  case $out in
    *"Invalid configuration: "*) ;;
    *) problem "$entry did not load from the image's files: $(printf '%s' "$out" | head -3)" ;;
  esac
done

if [ "$problems" -gt 0 ]; then exit 1; fi
echo "image dist/: $(cd "$run/dist" && ls -d -- * | tr '\n' ' ')"
