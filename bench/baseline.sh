#!/bin/sh
# The serial shell baseline: every episode's spoken text through espeak-ng, then ffmpeg/LAME to a
# CBR MP3, one after another, no cache, no parallelism.
#
# Usage: bench/baseline.sh TEXT_DIR OUT_DIR RATE BITRATE
#   TEXT_DIR holds one <episode>.txt per episode (the spoken text, nothing else).
set -eu
text_dir=$1
out_dir=$2
rate=$3
bitrate=$4
mkdir -p "$out_dir"
for text in "$text_dir"/*.txt; do
    name=$(basename "$text" .txt)
    espeak-ng -s "$rate" -w "$out_dir/$name.wav" -f "$text"
    ffmpeg -hide_banner -loglevel error -y -i "$out_dir/$name.wav" \
        -ac 1 -ar 44100 -codec:a libmp3lame -b:a "$bitrate" "$out_dir/$name.mp3"
done
