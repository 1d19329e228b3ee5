#!/usr/bin/env bash
# Builds the held-out evaluation photos of the default model (see weights/MODEL_CARD.md)..
#
# The photos come from packages the issue reserves for evaluation (never used in training):
# Debian lomiri-wallpapers*, mate-backgrounds, palapeli-data; PyPI scikit-image, scikit-learn,
# matplotlib, imgaug. Only photographs are kept (the list below; no drawings, renders,
# grayscale or microscopy). They land OUTSIDE the repository; docs/evaluation/eval_photos.sha256
# lists the files and their hashes so a rebuild can be checked with `sha256sum -c`.
#
# usage: tools/extract_eval_photos.sh EVAL_DIR   (a folder outside the repository; needs root for apt)
set -euo pipefail
OUT=${1:?usage: tools/extract_eval_photos.sh EVAL_DIR}
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
  "$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 -d wheels "$whl"
done
for w in wheels/*; do
  case "$w" in
    *.whl) mkdir -p "pypi/$(basename "$w")" && "$PY" -m zipfile -e "$w" "pypi/$(basename "$w")/" ;;
  esac
done

copy() {  # copy SOURCE_GLOB DEST_NAME: the first match of the glob
  local src
  src=$(compgen -G "$1" | head -n 1 || true)
  if [ -z "$src" ]; then echo "missing: $1" >&2; return 1; fi
  cp "$src" "$OUT/$2"
}

# Photographs only, chosen by looking at every image of these packages: the MATE "abstract" and
# "desktop" sets, the Ubuntu/Lomiri gradient wallpapers, palapeli's tiling backgrounds, grayscale,
# microscopy and space images, and the right half of the motorcycle stereo pair are left out.
BG=debs/usr/share/backgrounds
for f in Bridge_by_Sander_Klootwijk Dragonfly_by_Bolly Kleiber_by_Lukas_Baubkus Picture_0B_by_freespace \
         Picture_1A_by_freespace Wine_by_Jakkub_Mede aitzgorri_by_Aitzol_Berasategi free_by_Peter_Nerlich \
         friends_by_Aitzol_Berasategi life_by_Aitzol_Berasategi picosdeeuropa_by_Aitzol_Berasategi \
         seeding_by_Clements_Engelhardt sunset_by_Aitzol_Berasategi; do
  copy "$BG/$f.jpg" "lomiri-$f.jpg"
done
for f in Aqua Blinds Dune FreshFlower Garden GreenMeadow LadyBird RainDrops Storm TwoWings Wood YellowFlower; do
  copy "$BG/mate/nature/$f.jpg" "mate-$f.jpg"
done
for f in castle-maintenon cincinnati-bridge citrus-fruits european-honey-bee panther-chameleon-female; do
  copy "debs/usr/share/palapeli/collection/$f.jpg" "palapeli-$f.jpg"
done

# PyPI bundled sample photographs (RGB photos only).
SK='pypi/scikit_image*/skimage/data'
for f in astronaut.png chelsea.png coffee.png rocket.jpg motorcycle_left.png; do copy "$SK/$f" "skimage-$f"; done
copy 'pypi/scikit_learn*/sklearn/datasets/images/china.jpg' sklearn-china.jpg
copy 'pypi/scikit_learn*/sklearn/datasets/images/flower.jpg' sklearn-flower.jpg
copy 'pypi/matplotlib*/matplotlib/mpl-data/sample_data/grace_hopper.jpg' matplotlib-grace_hopper.jpg
copy 'pypi/imgaug*/imgaug/quokka.jpg' imgaug-quokka.jpg

(cd "$OUT" && sha256sum -- *) | sort -k2
