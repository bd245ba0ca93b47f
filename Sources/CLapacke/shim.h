// LAPACK through its C interface (Debian: liblapacke-dev). Used for symmetric eigendecompositions (PCA).
#pragma once
#include <lapacke.h>
