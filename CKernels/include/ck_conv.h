// 2-D convolution and transposed convolution, NCHW, square stride/padding.
#ifndef CK_CONV_H
#define CK_CONV_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Geometry of one convolution layer. For Conv2d the input is (batch, in_channels, in_h, in_w) and the
/// output (batch, out_channels, out_h, out_w) with out = (in + 2 padding - kernel) / stride + 1.
/// For ConvTranspose2d the roles swap: out = (in - 1) stride - 2 padding + kernel + output_padding
/// (output_padding < stride); `output_padding` is ignored by Conv2d.
/// `channels_last` nonzero: every activation tensor of the call (x, y, dx, dy) is channels-last, (batch, h, w,
/// channels), instead of NCHW; weights and biases keep their layout. A network that keeps its activations
/// channels-last from layer to layer skips the reorder copies the NCHW calls make internally (conv_nhwc.c).
typedef struct ck_conv_shape {
    int64_t batch;
    int64_t in_channels, in_h, in_w;
    int64_t out_channels;
    int64_t kernel_h, kernel_w;
    int64_t stride, padding, output_padding;
    int64_t channels_last;
} ck_conv_shape;

/// Output height/width of the layer; -1 when the geometry is invalid.
int64_t ck_conv2d_out_h(const ck_conv_shape *s);
int64_t ck_conv2d_out_w(const ck_conv_shape *s);
int64_t ck_conv_transpose2d_out_h(const ck_conv_shape *s);
int64_t ck_conv_transpose2d_out_w(const ck_conv_shape *s);

/// Scratch floats the caller must pass as `workspace` to any Conv2d call with this shape (may be 0).
int64_t ck_conv2d_workspace_size(const ck_conv_shape *s);
/// Same for ConvTranspose2d.
int64_t ck_conv_transpose2d_workspace_size(const ck_conv_shape *s);

/// Which convolution calls take the channels-last GEMM path, as a bit mask (1 forward lowering, 2 weight
/// gradients, 4 data gradient; each only for the shapes it was measured faster on), for every later call in
/// the process: for tests and A/B measurements. -1 restores the default (AE_CONV_NHWC if set, else all three
/// under AVX-512 and none under other ISAs). Results differ from the NCHW path's only by float rounding.
void ck_conv_set_channels_last(int mode);

/// Whether the stride-1, padding-1, 3x3 convolutions of channels-last tensors with 16+ channels on both sides use
/// Winograd F(2x2, 3x3) (2.25x fewer multiplies; results differ from the GEMM lowering's by float rounding): 1 on,
/// 0 off, -1 the default (AE_WINOGRAD=0|1 if set, else on). For tests and A/B measurements.
void ck_conv_set_winograd(int on);

/// Whether channels-last tensors (`channels_last` shapes) are the faster layout for networks: AE_CHANNELS_LAST=0|1
/// if set (read once), else true when all three channels-last paths are on (the AVX-512 default) or under AVX2
/// (measured faster there too, though its NCHW tensors' channels-last paths are off). Networks ask
/// when they allocate.
int ck_conv_prefers_channels_last(void);

/// Moves activations between NCHW and channels-last: out (batch, plane, channels) = in (batch, channels, plane) when
/// `to_channels_last`, the inverse otherwise (plane = h*w). For networks that keep convolution activations
/// channels-last and hand them to layers that read NCHW (a flatten into a linear layer, say).
void ck_conv_change_layout(float *out, const float *in, int64_t batch, int64_t channels, int64_t plane,
                           int to_channels_last);

/// Conv2d forward. y (batch, out_channels, out_h, out_w); x (batch, in_channels, in_h, in_w);
/// w (out_channels, in_channels, kernel_h, kernel_w); bias (out_channels) or NULL.
/// Returns 0, or -1 for an invalid shape.
int ck_conv2d_forward(float *y, const float *x, const float *w, const float *bias,
                      const ck_conv_shape *s, float *workspace);
/// Conv2d backward; dx, dw, dbias may each be NULL to skip; all are overwritten.
int ck_conv2d_backward(float *dx, float *dw, float *dbias, const float *dy, const float *x, const float *w,
                       const ck_conv_shape *s, float *workspace);

/// ConvTranspose2d forward (PyTorch semantics). y (batch, out_channels, out_h, out_w);
/// x (batch, in_channels, in_h, in_w); w (in_channels, out_channels, kernel_h, kernel_w); bias or NULL.
int ck_conv_transpose2d_forward(float *y, const float *x, const float *w, const float *bias,
                                const ck_conv_shape *s, float *workspace);
/// ConvTranspose2d backward; dx, dw, dbias may each be NULL; all are overwritten.
int ck_conv_transpose2d_backward(float *dx, float *dw, float *dbias, const float *dy, const float *x,
                                 const float *w, const ck_conv_shape *s, float *workspace);

#ifdef __cplusplus
}
#endif
#endif
