#!/bin/sh
# The `summarize` Lambda function of config/local.ini: prints the number of words and bytes of the
# text on stdin as JSON.
set -eu
input=$(cat)
words=$(printf '%s' "$input" | wc -w)
bytes=$(printf '%s' "$input" | wc -c)
printf '{"words": %d, "bytes": %d}' "$words" "$bytes"
