#!/bin/sh
# Configures the project with an MPI compiler wrapper that finds no mpi.h (what Debian's
# openmpi-bin gives without libopenmpi-dev): the configuration must succeed, say why the MPI
# shim is left out, and leave it out. Arguments: cmake, the source directory, a scratch directory.
set -u
cmake=$1 src=$2 out=$3
rm -rf "$out" && mkdir -p "$out" || exit 1
# The wrapper answers as Open MPI's does, naming an include directory that is not there.
cat >"$out/mpicc" <<'WRAPPER' && chmod +x "$out/mpicc" || exit 1
#!/bin/sh
inc=/nonexistent/openmpi/include
case "${1:-}" in
    -showme:compile|--showme:compile) echo "-I$inc -pthread"; exit 0 ;;
    -showme:link|--showme:link) echo "-pthread -lm"; exit 0 ;;
    -showme:incdirs|--showme:incdirs) echo "$inc"; exit 0 ;;
    -showme:libdirs|--showme:libdirs) echo ""; exit 0 ;;
    -showme:libs|--showme:libs) echo "m"; exit 0 ;;
    -showme|--showme) echo "cc -I$inc -pthread -lm"; exit 0 ;;
esac
exec cc "-I$inc" -pthread "$@" -lm
WRAPPER
log=$out/configure.log
if ! "$cmake" -S "$src" -B "$out/build" -DPL_MPICC="$out/mpicc" -DPARALELO_TESTS=OFF >"$log" 2>&1; then
    echo "FAIL: the configuration stopped with an mpicc that finds no mpi.h:"; cat "$log"; exit 1
fi
if ! grep -q "cannot find mpi.h" "$log"; then echo "FAIL: no word on the missing mpi.h:"; cat "$log"; exit 1; fi
if grep -q "building libparalelo_mpi" "$log"; then echo "FAIL: the MPI shim was configured anyway:"; cat "$log"; exit 1; fi
echo "ok: configured without the MPI shim"
