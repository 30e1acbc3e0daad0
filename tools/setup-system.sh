#!/usr/bin/env bash
# Installs the system programs rtr-audio needs when they are missing (Debian/Ubuntu, apt-get).
# Usage: tools/setup-system.sh [--test]
#   espeak-ng  the voice pyttsx3 drives on Linux
#   ffmpeg     MP3 encoding (pydub and rtr-audio call it), ffprobe for the tests
#   rclone     `rtr-audio publish`: one tool for S3, WebDAV, SFTP, FTP… (Debian 12 has 1.60;
#              publish is tested with it: --header-upload, --files-from-raw, --no-check-dest,
#              lsjson --hash-type, backend features)
#   chromium   (--test) the real browser the show-page tests drive
#   exiftool   (--test) an independent ID3 reader for the episode date (libimage-exiftool-perl)
#   openssh-server, openssh-client (--test) a local sshd the publish tests upload to over SFTP
set -euo pipefail

need=()
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
{ command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; } || need+=(ffmpeg)
python3 -c "import venv, ensurepip" >/dev/null 2>&1 || need+=(python3-venv)
command -v rclone >/dev/null 2>&1 || need+=(rclone)
if [ "${1:-}" = "--test" ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v exiftool >/dev/null 2>&1 || need+=(libimage-exiftool-perl)
  { [ -x /usr/sbin/sshd ] || command -v sshd >/dev/null 2>&1; } || need+=(openssh-server)
  { command -v ssh-keygen >/dev/null 2>&1 && command -v ssh >/dev/null 2>&1; } || need+=(openssh-client)
fi
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(uname -s)" != "Linux" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "rtr-audio needs: ${need[*]}. Install them with your package manager (see README), then rerun." >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo"
else
  echo "rtr-audio needs these packages: ${need[*]}. Run: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
