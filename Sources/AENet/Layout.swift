import CKernels

/// Where a network keeps its image activations channels-last, (batch, h, w, c), instead of NCHW.
///
/// The convolution kernels take both layouts, and under AVX-512 and AVX2 the channels-last one is faster: their GEMMs run
/// pixel-major, so NCHW tensors cost a reorder copy on the way in and out of every call (CKernels/conv_nhwc.c),
/// while channels-last tensors are used in place. A network therefore runs its convolutions channels-last when the
/// kernels prefer it, and `plan` places the only copies left where another layout is needed: before a layer that
/// reads the (c, h, w) order of a sample (Linear's implicit flatten, Reshape) and at the network's ends. Tensors
/// with one channel or a 1x1 plane (input images, latent codes) are the same in both layouts and need none.
/// Parameters keep their PyTorch layout either way, so run files do not depend on it.
enum ActivationLayout {
    /// The same bytes in both layouts.
    static func isLayoutFree(_ d: Dims) -> Bool { d.c == 1 || d.h * d.w == 1 }

    /// The layers to run, with `LayoutChange` steps inserted, after telling each convolution and batch norm which
    /// layout it gets. `channelsLast` false: the layers unchanged, all NCHW.
    static func plan(_ layers: [Layer], input: Dims, channelsLast: Bool) throws -> [Layer] {
        var steps: [Layer] = [], dims = input, current = false  // current: the tensor in hand is channels-last
        for layer in layers {
            switch layer {
            case let conv as Convolution:
                conv.channelsLast = channelsLast
                if channelsLast && !current && !isLayoutFree(dims) { steps.append(LayoutChange(toChannelsLast: true)) }
                current = channelsLast
            case let norm as BatchNorm:
                norm.channelsLast = current
            case is Activation, is Dropout:
                break  // elementwise: any layout
            default:
                if current && !isLayoutFree(dims) { steps.append(LayoutChange(toChannelsLast: false)) }
                current = false
            }
            steps.append(layer)
            dims = try layer.outputDims(for: dims)
        }
        if current && !isLayoutFree(dims) { steps.append(LayoutChange(toChannelsLast: false)) }
        return steps
    }
}

/// Copies activations NCHW -> channels-last (`toChannelsLast`) or back; the backward pass copies the gradient the
/// other way. Inserted by `ActivationLayout.plan`, never built by models.
final class LayoutChange: Layer {
    let toChannelsLast: Bool
    private var dims = Dims(0)
    private var output = Buffer(count: 0), inputGrad = Buffer(count: 0)

    init(toChannelsLast: Bool) { self.toChannelsLast = toChannelsLast }

    var description: String { toChannelsLast ? "ToChannelsLast" : "ToNCHW" }
    func outputDims(for input: Dims) throws -> Dims { input }

    func prepare(input: Dims, maxBatch: Int, needsInputGradient: Bool) throws {
        dims = input
        output = Buffer(count: maxBatch * input.count)
        inputGrad = Buffer(count: maxBatch * input.count)
    }

    func forward(_ x: Tensor, context: PassContext, workspace: UnsafeMutablePointer<Float>) -> Tensor {
        let y = output.tensor(batch: x.batch, dims: x.dims)
        ck_conv_change_layout(y.data, x.data, Int64(x.batch), Int64(dims.c), Int64(dims.h * dims.w), toChannelsLast ? 1 : 0)
        return y
    }

    func backward(_ dy: Tensor, workspace: UnsafeMutablePointer<Float>) -> Tensor {
        let dx = inputGrad.tensor(batch: dy.batch, dims: dy.dims)
        ck_conv_change_layout(dx.data, dy.data, Int64(dy.batch), Int64(dims.c), Int64(dims.h * dims.w), toChannelsLast ? 0 : 1)
        return dx
    }
}

extension Sequential {
    /// Whether networks run their convolutions on channels-last activations: the kernels' preference
    /// (`ck_conv_prefers_channels_last`: AE_CHANNELS_LAST=0|1 if set, else under AVX-512 with every channels-last
    /// convolution path on, the default, and under AVX2).
    public static var kernelsPreferChannelsLast: Bool { ck_conv_prefers_channels_last() != 0 }
}
