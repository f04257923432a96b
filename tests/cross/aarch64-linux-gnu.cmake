# CMake toolchain file: cross-build gq for 64-bit ARM Linux with Debian's
# cross compiler (package gcc-aarch64-linux-gnu) and run what it builds
# under qemu user-mode emulation.  tests/cross/aarch64.sh uses it;
# by hand:
#   cmake -S . -B build/aarch64 -DCMAKE_TOOLCHAIN_FILE=tests/cross/aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
# Debian's multiarch directory for arm64 packages (libcmocka-dev:arm64
# installs into /usr/lib/aarch64-linux-gnu): find_library looks there
# first, never at the build machine's x86-64 libraries.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# Programs the build runs (man pages) and ctest's tests go through qemu.
set(CMAKE_CROSSCOMPILING_EMULATOR "${CMAKE_CURRENT_LIST_DIR}/qemu-aarch64.sh")
