#!/usr/bin/env bash
# The test run, as CI runs it: install tox with the tested versions, then run `tox`, the README's
# test command. Real MNIST is used when the shared data folder sits beside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --constraint ci/constraints.txt tox

mnist="$(cd .. && pwd)/shared/datasets/mnist"
if [ -z "${DEEPSCRATCH_MNIST_DIR:-}" ] && [ -d "$mnist" ]; then
    export DEEPSCRATCH_MNIST_DIR="$mnist"
fi

tox "$@"
