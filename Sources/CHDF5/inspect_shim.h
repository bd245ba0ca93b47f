// Read-only helpers for `ae inspect` (Sources/AEData/H5Inspect.swift). Link and object-info calls are
// versioned macros in HDF5 (H5Lget_info → H5Lget_info2 from 1.12, H5Oget_info2 → H5Oget_info3), which Swift
// cannot follow; written in C they compile against 1.10 and 1.12+ alike.
#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline hid_t ae_h5t_native_uint64(void) { return H5T_NATIVE_UINT64; }

/// The kind of link `name` (a path from `loc`): 0 hard, 1 soft, 2 external, 3 other (user-defined), -1 when
/// it cannot be read. For soft and external links the target ("/path" or "file.h5:/path") is copied into
/// `target` (NUL-terminated, cut to `size` bytes).
static inline int ae_h5l_describe(hid_t loc, const char *name, char *target, size_t size) {
    H5L_info_t info;
    if (size > 0) target[0] = 0;
    if (H5Lget_info(loc, name, &info, H5P_DEFAULT) < 0) return -1;
    if (info.type == H5L_TYPE_HARD) return 0;
    if (info.type != H5L_TYPE_SOFT && info.type != H5L_TYPE_EXTERNAL) return 3;
    size_t length = info.u.val_size;
    char *value = malloc(length + 1);
    if (value == NULL) return -1;
    int kind = -1;
    if (H5Lget_val(loc, name, value, length + 1, H5P_DEFAULT) >= 0) {
        value[length] = 0;
        const char *file = NULL, *object = NULL;
        unsigned flags = 0;
        if (info.type == H5L_TYPE_SOFT) {
            snprintf(target, size, "%s", value);
            kind = 1;
        } else if (H5Lunpack_elink_val(value, length, &flags, &file, &object) >= 0) {
            snprintf(target, size, "%s:%s", file, object);
            kind = 2;
        }
    }
    free(value);
    return kind;
}

/// Identifies the object `obj` within its file (its header address / token), so a walk can tell when a hard
/// link leads back to a group it is already inside. Returns -1 on failure.
static inline int ae_h5o_key(hid_t obj, uint64_t *high, uint64_t *low) {
    unsigned char bytes[16] = {0};
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t info;
    if (H5Oget_info3(obj, &info, H5O_INFO_BASIC) < 0) return -1;
    memcpy(bytes, &info.token, sizeof info.token < 16 ? sizeof info.token : 16);
#else
    H5O_info_t info;
    if (H5Oget_info2(obj, &info, H5O_INFO_BASIC) < 0) return -1;
    memcpy(bytes, &info.addr, sizeof info.addr < 16 ? sizeof info.addr : 16);
#endif
    memcpy(high, bytes, 8);
    memcpy(low, bytes + 8, 8);
    return 0;
}
