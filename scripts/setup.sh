#!/usr/bin/env bash
# Installs what a fresh Debian machine with Swift needs to build, test and benchmark this package.
# Safe to run again: it installs only what is missing.
set -euo pipefail

APT_PACKAGES=(
    pkg-config
    libomp-dev        # OpenMP runtime + omp.h for the C kernels
    libhdf5-dev       # HDF5 run store
    zlib1g-dev        # gzip IDX files, .npz archives
    liblapacke-dev    # PCA eigendecomposition
    liblapack-dev
    libcairo2-dev     # plots
    libopenmpi-dev    # MPI (optional at build time): mpirun -np N ae study …, ae train --distributed
    openmpi-bin       # mpirun, for the DistributedTests
)
# Python packages used by the interop tests (h5py) and the comparison benchmarks/tests (numpy, sklearn).
PIP_PACKAGES=(numpy h5py scikit-learn)

missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "setup: installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if command -v python3 >/dev/null 2>&1; then
    if ! python3 -c 'import numpy, h5py, sklearn' >/dev/null 2>&1; then
        echo "setup: pip installing ${PIP_PACKAGES[*]}"
        python3 -m pip install --quiet --disable-pip-version-check "${PIP_PACKAGES[@]}" \
            || echo "setup: warning: pip install failed; the h5py/numpy comparison tests will be skipped" >&2
    fi
fi
echo "setup: ok"
