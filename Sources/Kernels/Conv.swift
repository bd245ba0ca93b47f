import CKernels

/// Geometry of one 2-D convolution layer, NCHW (see `Conv`). For Conv2d the input is
/// batch × inChannels × inHeight × inWidth; for ConvTranspose2d likewise, the output size being derived
/// (`outputPadding`, which must be < stride, only applies to ConvTranspose2d). With `channelsLast` every activation
/// tensor of the call (x, y, dx, dy) is batch × height × width × channels instead; weights keep their layout.
public struct ConvShape: Sendable, Hashable, CustomStringConvertible {
    public var batch: Int
    public var inChannels: Int, inHeight: Int, inWidth: Int
    public var outChannels: Int
    public var kernelHeight: Int, kernelWidth: Int
    public var stride: Int, padding: Int, outputPadding: Int
    public var channelsLast = false

    public init(batch: Int, inChannels: Int, inHeight: Int, inWidth: Int, outChannels: Int,
                kernelHeight: Int, kernelWidth: Int, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0) {
        self.batch = batch
        self.inChannels = inChannels
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.outChannels = outChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
    }

    /// Square kernel and square input.
    public init(batch: Int, inChannels: Int, outChannels: Int, size: Int, kernel: Int, stride: Int = 1,
                padding: Int = 0, outputPadding: Int = 0) {
        self.init(batch: batch, inChannels: inChannels, inHeight: size, inWidth: size, outChannels: outChannels,
                  kernelHeight: kernel, kernelWidth: kernel, stride: stride, padding: padding, outputPadding: outputPadding)
    }

    public var c: ck_conv_shape {
        ck_conv_shape(batch: Int64(batch), in_channels: Int64(inChannels), in_h: Int64(inHeight), in_w: Int64(inWidth),
                      out_channels: Int64(outChannels), kernel_h: Int64(kernelHeight), kernel_w: Int64(kernelWidth),
                      stride: Int64(stride), padding: Int64(padding), output_padding: Int64(outputPadding),
                      channels_last: channelsLast ? 1 : 0)
    }

    public var description: String {
        "\(batch)x\(inChannels)x\(inHeight)x\(inWidth)→\(outChannels) k\(kernelHeight)x\(kernelWidth) s\(stride) p\(padding) op\(outputPadding)"
            + (channelsLast ? " channels-last" : "")
    }
}

/// Conv2d and ConvTranspose2d kernels (PyTorch semantics) over contiguous NCHW float buffers.
///   Conv2d weight: outChannels × inChannels × kh × kw.  ConvTranspose2d weight: inChannels × outChannels × kh × kw.
/// Every call needs a workspace of at least `workspaceSize(shape, transposed:)` floats. Buffer sizes must
/// match the shape exactly (the workspace may be larger); a mismatch is a programming error and traps.
public enum Conv {
    /// Output height and width, or nil when the geometry is invalid.
    public static func outputSize(_ shape: ConvShape, transposed: Bool = false) -> (height: Int, width: Int)? {
        var s = shape.c
        let h = transposed ? ck_conv_transpose2d_out_h(&s) : ck_conv2d_out_h(&s)
        let w = transposed ? ck_conv_transpose2d_out_w(&s) : ck_conv2d_out_w(&s)
        return h > 0 && w > 0 ? (Int(h), Int(w)) : nil
    }

    /// Scratch floats a call with this shape needs; nil when the geometry is invalid.
    public static func workspaceSize(_ shape: ConvShape, transposed: Bool = false) -> Int? {
        var s = shape.c
        let n = transposed ? ck_conv_transpose2d_workspace_size(&s) : ck_conv2d_workspace_size(&s)
        return n >= 0 ? Int(n) : nil
    }

    /// Element counts of (input, weight, output) for a valid shape; traps on an invalid one.
    public static func counts(_ shape: ConvShape, transposed: Bool = false) -> (input: Int, weight: Int, output: Int) {
        guard let out = outputSize(shape, transposed: transposed) else { preconditionFailure("invalid conv geometry \(shape)") }
        return (shape.batch * shape.inChannels * shape.inHeight * shape.inWidth,
                shape.outChannels * shape.inChannels * shape.kernelHeight * shape.kernelWidth,
                shape.batch * shape.outChannels * out.height * out.width)
    }

    private static func check(_ shape: ConvShape, transposed: Bool, x: Int?, w: Int?, y: Int?, bias: Int?, workspace: Int) {
        let n = counts(shape, transposed: transposed)
        precondition(x == nil || x == n.input, "input has \(x!) floats, \(shape) needs \(n.input)")
        precondition(w == nil || w == n.weight, "weight has \(w!) floats, \(shape) needs \(n.weight)")
        precondition(y == nil || y == n.output, "output has \(y!) floats, \(shape) needs \(n.output)")
        precondition(bias == nil || bias == shape.outChannels, "bias has \(bias!) floats, needs \(shape.outChannels)")
        let ws = workspaceSize(shape, transposed: transposed)!
        precondition(workspace >= ws, "workspace has \(workspace) floats, \(shape) needs \(ws)")
    }

    /// Conv2d: y = conv(x, w) + bias.
    public static func forward(y: UnsafeMutableBufferPointer<Float>, x: UnsafeBufferPointer<Float>, w: UnsafeBufferPointer<Float>,
                               bias: UnsafeBufferPointer<Float>?, shape: ConvShape, workspace: UnsafeMutableBufferPointer<Float>) {
        check(shape, transposed: false, x: x.count, w: w.count, y: y.count, bias: bias?.count, workspace: workspace.count)
        var s = shape.c
        let status = ck_conv2d_forward(y.baseAddress, x.baseAddress, w.baseAddress, bias?.baseAddress, &s, workspace.baseAddress)
        precondition(status == 0, "conv2d forward failed for \(shape)")
    }

    /// Conv2d backward: each of dx, dw, dbias is optional and overwritten.
    public static func backward(dx: UnsafeMutableBufferPointer<Float>?, dw: UnsafeMutableBufferPointer<Float>?,
                                dbias: UnsafeMutableBufferPointer<Float>?, dy: UnsafeBufferPointer<Float>,
                                x: UnsafeBufferPointer<Float>, w: UnsafeBufferPointer<Float>, shape: ConvShape,
                                workspace: UnsafeMutableBufferPointer<Float>) {
        check(shape, transposed: false, x: x.count, w: w.count, y: dy.count, bias: dbias?.count, workspace: workspace.count)
        check(shape, transposed: false, x: dx?.count, w: dw?.count, y: nil, bias: nil, workspace: workspace.count)
        var s = shape.c
        let status = ck_conv2d_backward(dx?.baseAddress, dw?.baseAddress, dbias?.baseAddress, dy.baseAddress, x.baseAddress,
                                        w.baseAddress, &s, workspace.baseAddress)
        precondition(status == 0, "conv2d backward failed for \(shape)")
    }

    /// ConvTranspose2d: y = convT(x, w) + bias.
    public static func transposeForward(y: UnsafeMutableBufferPointer<Float>, x: UnsafeBufferPointer<Float>,
                                        w: UnsafeBufferPointer<Float>, bias: UnsafeBufferPointer<Float>?, shape: ConvShape,
                                        workspace: UnsafeMutableBufferPointer<Float>) {
        check(shape, transposed: true, x: x.count, w: w.count, y: y.count, bias: bias?.count, workspace: workspace.count)
        var s = shape.c
        let status = ck_conv_transpose2d_forward(y.baseAddress, x.baseAddress, w.baseAddress, bias?.baseAddress, &s,
                                                 workspace.baseAddress)
        precondition(status == 0, "conv_transpose2d forward failed for \(shape)")
    }

    /// ConvTranspose2d backward: each of dx, dw, dbias is optional and overwritten.
    public static func transposeBackward(dx: UnsafeMutableBufferPointer<Float>?, dw: UnsafeMutableBufferPointer<Float>?,
                                         dbias: UnsafeMutableBufferPointer<Float>?, dy: UnsafeBufferPointer<Float>,
                                         x: UnsafeBufferPointer<Float>, w: UnsafeBufferPointer<Float>, shape: ConvShape,
                                         workspace: UnsafeMutableBufferPointer<Float>) {
        check(shape, transposed: true, x: x.count, w: w.count, y: dy.count, bias: dbias?.count, workspace: workspace.count)
        check(shape, transposed: true, x: dx?.count, w: dw?.count, y: nil, bias: nil, workspace: workspace.count)
        var s = shape.c
        let status = ck_conv_transpose2d_backward(dx?.baseAddress, dw?.baseAddress, dbias?.baseAddress, dy.baseAddress,
                                                  x.baseAddress, w.baseAddress, &s, workspace.baseAddress)
        precondition(status == 0, "conv_transpose2d backward failed for \(shape)")
    }
}
