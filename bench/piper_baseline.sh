#!/bin/sh
# The serial Piper baseline: every episode's spoken text through the `piper` command (piper-tts's
# CLI, the bundled en_US-joe-medium voice, a fresh process and model load per episode, its own
# onnxruntime defaults), then ffmpeg/LAME to a CBR MP3, one after another, no cache.
#
# Usage: bench/piper_baseline.sh PIPER TEXT_DIR OUT_DIR MODEL LENGTH_SCALE BITRATE
#   PIPER is the piper executable (the venv's), MODEL the voice's .onnx file.
set -eu
piper=$1
text_dir=$2
out_dir=$3
model=$4
length_scale=$5
bitrate=$6
mkdir -p "$out_dir"
for text in "$text_dir"/*.txt; do
    name=$(basename "$text" .txt)
    "$piper" -m "$model" -i "$text" -f "$out_dir/$name.wav" --length-scale "$length_scale"
    ffmpeg -hide_banner -loglevel error -y -i "$out_dir/$name.wav" \
        -ac 1 -ar 44100 -codec:a libmp3lame -b:a "$bitrate" "$out_dir/$name.mp3"
done
