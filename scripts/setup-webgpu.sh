#!/usr/bin/env bash
# Makes WebGPU available to Dawn (npm `webgpu`) on a GPU-less Debian/Ubuntu machine:
# installs the Vulkan loader and Mesa's software Vulkan driver (lavapipe), version 24 or newer.
# Debian bookworm ships Mesa 22.3, which Dawn refuses, so there it takes mesa from bookworm-backports.
# Safe to run twice; needs root (or sudo). On a machine with a real GPU and its Vulkan driver, skip it.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-webgpu: no apt-get here. Install a Vulkan driver (Mesa lavapipe >= 24 for CPU-only) by your OS's means." >&2
  exit 1
fi

codename=""
if [ -r /etc/os-release ]; then . /etc/os-release; codename="${VERSION_CODENAME:-}"; fi

export DEBIAN_FRONTEND=noninteractive
if [ "${ID:-}" = "debian" ] && [ "$codename" = "bookworm" ]; then
  list=/etc/apt/sources.list.d/bookworm-backports.list
  if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "deb http://deb.debian.org/debian bookworm-backports main" | $SUDO tee "$list" >/dev/null
  fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
else
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq mesa-vulkan-drivers libvulkan1 >/dev/null
fi

ver=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || echo "?")
major=${ver%%.*}; major=${major##*:}
echo "setup-webgpu: mesa-vulkan-drivers $ver installed"
if [[ "$major" =~ ^[0-9]+$ ]] && [ "$major" -lt 24 ]; then
  echo "setup-webgpu: Mesa $ver is older than 24; Dawn will refuse it. Use a newer distribution or backports." >&2
  exit 1
fi
