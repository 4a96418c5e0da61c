#!/usr/bin/env bash
# Debian packages the project needs beside Python: ffmpeg (ffmpeg + ffprobe) and, for tests, chromium and opencv-doc.
# Installs only what is missing; says what to do when it cannot install (not root, no apt-get).
set -euo pipefail
missing=()
for pkg in "$@"; do
  case "$pkg" in
    ffmpeg) command -v ffprobe >/dev/null 2>&1 && command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg) ;;
    chromium) command -v chromium >/dev/null 2>&1 || missing+=(chromium) ;;
    # OpenCV's real sample photos (full-body people) for the human-centric score's tests
    opencv-doc) [ -f /usr/share/doc/opencv-doc/examples/data/messi5.jpg ] || missing+=(opencv-doc) ;;
    *) echo "system-deps: unknown package $pkg" >&2; exit 2 ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ActionLoom needs these system packages: ${missing[*]}. Install them (e.g. sudo apt-get install ${missing[*]}) and run again." >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
