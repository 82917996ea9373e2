"""numba's compiler settings shared by the compiled loops (imported only when numba is)."""
import numba

jit = numba.njit(cache=True, error_model="numpy", nogil=True)
inline = numba.njit(cache=True, error_model="numpy", nogil=True, inline="always")
# Each loop first checks that its arrays have one length: a loop indexes them all by theta's, and
# a shorter one (an edited model file's optimizer state) would be read and written out of bounds.
LENGTHS = "compiled update: the arrays passed have different lengths (a damaged optimizer state?)"
