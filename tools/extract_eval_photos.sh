#!/usr/bin/env bash
# Builds the held-out evaluation photos of the default model (see weights/MODEL_CARD.md).
#
# The photos come from packages the issue reserves for evaluation (never used in training):
# Debian lomiri-wallpapers*, mate-backgrounds, palapeli-data; PyPI scikit-image, scikit-learn,
# matplotlib, imgaug. Only photographs are kept (the list below; no drawings, renders,
# grayscale or microscopy). They land OUTSIDE the repository; docs/evaluation/eval_photos.sha256
# lists the files and their hashes so a rebuild can be checked with `sha256sum -c`.
#
# usage: tools/extract_eval_photos.sh [OUT_DIR]   (default /work/eval-photos; needs root for apt)
set -euo pipefail
OUT=${1:-/work/eval-photos}
PY=${PYTHON:-python3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
cd "$WORK"

apt-get update -qq
for pkg in lomiri-wallpapers lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 mate-backgrounds palapeli-data; do
  apt-get download -qq "$pkg"
done
for deb in ./*.deb; do dpkg -x "$deb" debs/; done
for whl in scikit-image scikit-learn matplotlib imgaug; do
  "$PY" -m pip download -q --no-deps --only-binary=:all: -d wheels "$whl" \
    || "$PY" -m pip download -q --no-deps -d wheels "$whl"
done
for w in wheels/*; do
  case "$w" in
    *.whl) mkdir -p "pypi/$(basename "$w")" && "$PY" -m zipfile -e "$w" "pypi/$(basename "$w")/" ;;
  esac
done

copy() {  # copy SOURCE_GLOB DEST_NAME: the first match of the glob
  local src
  src=$(compgen -G "$1" | head -n 1 || true)
  if [ -z "$src" ]; then echo "missing: $1" >&2; return 0; fi
  cp "$src" "$OUT/$2"
}

# Debian wallpapers and puzzles: every raster image in their folders is a photograph,
# except the ones filtered out below by name.
find debs/usr/share/wallpapers debs/usr/share/backgrounds debs/usr/share/palapeli \
     debs/usr/share/lomiri* -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' -o -iname '*.webp' \) \
     2>/dev/null | sort | while read -r f; do
  pkgdir=$(echo "$f" | cut -d/ -f4)
  name="deb-${pkgdir}-$(basename "$f")"
  case "$(basename "$f")" in
    *screenshot*|*thumb*|*preview*|*logo*) continue ;;
  esac
  cp "$f" "$OUT/$name"
done

# PyPI bundled sample photographs (RGB photos only).
copy 'pypi/scikit_image*/skimage/data/astronaut.png' skimage-astronaut.png
copy 'pypi/scikit_image*/skimage/data/chelsea.png' skimage-chelsea.png
copy 'pypi/scikit_image*/skimage/data/coffee.png' skimage-coffee.png
copy 'pypi/scikit_image*/skimage/data/rocket.jpg' skimage-rocket.jpg
copy 'pypi/scikit_image*/skimage/data/motorcycle_left.png' skimage-motorcycle_left.png
copy 'pypi/scikit_image*/skimage/data/hubble_deep_field.jpg' skimage-hubble_deep_field.jpg
copy 'pypi/scikit_learn*/sklearn/datasets/images/china.jpg' sklearn-china.jpg
copy 'pypi/scikit_learn*/sklearn/datasets/images/flower.jpg' sklearn-flower.jpg
copy 'pypi/matplotlib*/matplotlib/mpl-data/sample_data/grace_hopper.jpg' matplotlib-grace_hopper.jpg
copy 'pypi/imgaug*/imgaug/quokka.jpg' imgaug-quokka.jpg

(cd "$OUT" && sha256sum -- * | sort -k2) > "$WORK/list"
cat "$WORK/list"
