// libhdf5 for Swift. HDF5's type and property-list "constants" are macros that expand to function calls or
// globals Swift cannot import (H5T_NATIVE_FLOAT, H5P_DEFAULT, H5F_ACC_TRUNC, ...): the static inline shims
// below give them names Swift can call. H5open() must run before any of them is used.
#include <hdf5.h>

static inline hid_t ae_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t ae_h5s_all(void) { return H5S_ALL; }
static inline hid_t ae_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t ae_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t ae_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t ae_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t ae_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t ae_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t ae_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t ae_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t ae_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline unsigned ae_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned ae_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline unsigned ae_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned ae_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline size_t ae_h5t_variable(void) { return H5T_VARIABLE; }
static inline hid_t ae_h5e_default(void) { return H5E_DEFAULT; }
static inline hid_t ae_h5p_file_create(void) { return H5P_FILE_CREATE; }
static inline hid_t ae_h5s_scalar_create(void) { return H5Screate(H5S_SCALAR); }

/// Variable-length UTF-8 string type (what h5py reads back as `str`). Close it with H5Tclose.
static inline hid_t ae_h5t_utf8_vlen(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

/// Silences HDF5's error stack printing: errors are reported through return codes and Swift errors.
static inline void ae_h5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

/// Free space of deleted or rewritten datasets is tracked in the file and reused after reopening, so a
/// run file updated every epoch does not grow without bound.
static inline hid_t ae_h5p_file_create_reusing_space(void) {
    hid_t p = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_file_space_strategy(p, H5F_FSPACE_STRATEGY_FSM_AGGR, 1, 1);
    return p;
}
#include "inspect_shim.h"
