import AEData
import CCairo
import Foundation

/// A figure that could not be drawn or written: bad input, an unwritable path, a missing dataset.
/// `description` is one line meant to be shown to a user as is.
public struct PlotError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// An RGBA colour, components in [0, 1].
public struct PlotColor: Equatable, Hashable, Sendable {
    public var red: Double, green: Double, blue: Double, alpha: Double

    public init(red: Double, green: Double, blue: Double, alpha: Double = 1) {
        self.red = red; self.green = green; self.blue = blue; self.alpha = alpha
    }

    /// `0xRRGGBB`.
    public init(hex: UInt32, alpha: Double = 1) {
        self.init(red: Double((hex >> 16) & 0xFF) / 255, green: Double((hex >> 8) & 0xFF) / 255,
                  blue: Double(hex & 0xFF) / 255, alpha: alpha)
    }

    /// Hue, saturation, value all in [0, 1].
    public init(hue: Double, saturation: Double, value: Double, alpha: Double = 1) {
        let h = (hue - hue.rounded(.down)) * 6
        let sector = Int(h) % 6, f = h - h.rounded(.down)
        let p = value * (1 - saturation), q = value * (1 - saturation * f), t = value * (1 - saturation * (1 - f))
        let (r, g, b): (Double, Double, Double) = switch sector {
        case 0: (value, t, p)
        case 1: (q, value, p)
        case 2: (p, value, t)
        case 3: (p, q, value)
        case 4: (t, p, value)
        default: (value, p, q)
        }
        self.init(red: r, green: g, blue: b, alpha: alpha)
    }

    public func withAlpha(_ alpha: Double) -> PlotColor { PlotColor(red: red, green: green, blue: blue, alpha: alpha) }

    /// Relative luminance (sRGB weights), used to pick black or white text over a fill.
    public var luminance: Double { 0.2126 * red + 0.7152 * green + 0.0722 * blue }

    public static let black = PlotColor(hex: 0x000000)
    public static let white = PlotColor(hex: 0xFFFFFF)
    public static let text = PlotColor(hex: 0x222222)
    public static let axis = PlotColor(hex: 0x444444)
    public static let grid = PlotColor(hex: 0xE4E4E4)

    /// Tableau's 10 categorical colours, then 10 darker/muted ones that stay apart from them.
    private static let categoricalHex: [UInt32] = [
        0x1F77B4, 0xFF7F0E, 0x2CA02C, 0xD62728, 0x9467BD, 0x8C564B, 0xE377C2, 0x7F7F7F, 0xBCBD22, 0x17BECF,
        0x393B79, 0x637939, 0x8C6D31, 0x843C39, 0x7B4173, 0x00E5A0, 0xFFD92F, 0x5E3C99, 0xA6761D, 0x000000,
    ]

    /// The colour of category `index` (≥ 0): 20 hand-picked colours, then hues spaced by the golden angle.
    public static func category(_ index: Int) -> PlotColor {
        if index >= 0, index < categoricalHex.count { return PlotColor(hex: categoricalHex[index]) }
        let k = Double(max(0, index - categoricalHex.count))
        let value = [0.85, 0.6, 0.95][Int(k) % 3]
        return PlotColor(hue: (k * 0.381966).truncatingRemainder(dividingBy: 1), saturation: 0.75, value: value)
    }

    /// A sequential white → dark blue ramp, `t` in [0, 1] (clamped); used for heatmaps.
    public static func sequential(_ t: Double) -> PlotColor {
        let stops: [PlotColor] = [PlotColor(hex: 0xF7FBFF), PlotColor(hex: 0xC6DBEF), PlotColor(hex: 0x6BAED6),
                                  PlotColor(hex: 0x2171B5), PlotColor(hex: 0x08306B)]
        let x = (t.isNaN ? 0 : min(max(t, 0), 1)) * Double(stops.count - 1)
        let i = min(Int(x), stops.count - 2), f = x - Double(i)
        let a = stops[i], b = stops[i + 1]
        return PlotColor(red: a.red + (b.red - a.red) * f, green: a.green + (b.green - a.green) * f,
                         blue: a.blue + (b.blue - a.blue) * f)
    }
}

/// A rectangle in canvas pixels (origin top-left, y down).
public struct PlotRect: Equatable, Sendable {
    public var x: Double, y: Double, width: Double, height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
    public var maxX: Double { x + width }
    public var maxY: Double { y + height }
    public var midX: Double { x + width / 2 }
    public var midY: Double { y + height / 2 }

    /// The rectangle shrunk by the given margins (never below zero size).
    public func inset(top: Double = 0, left: Double = 0, bottom: Double = 0, right: Double = 0) -> PlotRect {
        PlotRect(x: x + left, y: y + top, width: max(0, width - left - right), height: max(0, height - top - bottom))
    }
}

/// Where a text's anchor point sits relative to the text.
public enum TextAlignment: Sendable { case leading, center, trailing }
public enum TextBaseline: Sendable { case top, middle, bottom }

/// An ARGB raster drawn through Cairo, written out as PNG. All coordinates are pixels, origin top-left.
/// Not thread-safe: one canvas per thread.
public final class PlotCanvas {
    public let width: Int
    public let height: Int
    private let surface: OpaquePointer
    private let cr: OpaquePointer

    /// The largest side accepted; Cairo's own limit is 32767.
    public static let maximumSide = 16384
    /// The sans-serif face used for all text (fontconfig substitutes when it is missing).
    public static let fontFamily = "DejaVu Sans"

    /// A canvas filled with `background`.
    public init(width: Int, height: Int, background: PlotColor = .white) throws {
        guard (1...Self.maximumSide).contains(width), (1...Self.maximumSide).contains(height) else {
            throw PlotError("figure size \(width)×\(height) is out of range (1…\(Self.maximumSide) pixels per side)")
        }
        let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height))!
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            cairo_surface_destroy(surface)
            throw PlotError("cannot allocate a \(width)×\(height) figure")
        }
        self.width = width
        self.height = height
        self.surface = surface
        self.cr = cairo_create(surface)!
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND)
        fill(PlotRect(x: 0, y: 0, width: Double(width), height: Double(height)), background)
    }

    deinit {
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    public var bounds: PlotRect { PlotRect(x: 0, y: 0, width: Double(width), height: Double(height)) }

    // MARK: shapes

    private func setColor(_ c: PlotColor) { cairo_set_source_rgba(cr, c.red, c.green, c.blue, c.alpha) }

    public func fill(_ rect: PlotRect, _ color: PlotColor) {
        setColor(color)
        cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
        cairo_fill(cr)
    }

    /// Strokes the outline of `rect`; a 1-pixel line is snapped to pixel centres so it stays crisp.
    public func stroke(_ rect: PlotRect, _ color: PlotColor, lineWidth: Double = 1) {
        setColor(color)
        cairo_set_line_width(cr, lineWidth)
        let o = lineWidth.truncatingRemainder(dividingBy: 2) == 1 ? 0.5 : 0
        cairo_rectangle(cr, rect.x.rounded() + o, rect.y.rounded() + o, rect.width.rounded(), rect.height.rounded())
        cairo_stroke(cr)
    }

    /// A straight segment.
    public func line(from a: (x: Double, y: Double), to b: (x: Double, y: Double), _ color: PlotColor,
                     lineWidth: Double = 1, dash: [Double] = []) {
        polyline([a, b], color, lineWidth: lineWidth, dash: dash)
    }

    /// Connected segments through `points`; a point with a non-finite coordinate breaks the line there.
    public func polyline(_ points: [(x: Double, y: Double)], _ color: PlotColor, lineWidth: Double = 1, dash: [Double] = []) {
        setColor(color)
        cairo_set_line_width(cr, lineWidth)
        cairo_set_dash(cr, dash, Int32(dash.count), 0)
        var penDown = false
        for p in points {
            guard p.x.isFinite, p.y.isFinite else { penDown = false; continue }
            if penDown { cairo_line_to(cr, p.x, p.y) } else { cairo_move_to(cr, p.x, p.y) }
            penDown = true
        }
        cairo_stroke(cr)
        cairo_set_dash(cr, nil, 0, 0)
    }

    public func fillCircle(center: (x: Double, y: Double), radius: Double, _ color: PlotColor) {
        setColor(color)
        cairo_new_sub_path(cr)
        cairo_arc(cr, center.x, center.y, radius, 0, 2 * .pi)
        cairo_fill(cr)
    }

    /// Runs `body` with drawing restricted to `rect`.
    public func clipped(to rect: PlotRect, _ body: () throws -> Void) rethrows {
        cairo_save(cr)
        defer { cairo_restore(cr) }
        cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
        cairo_clip(cr)
        try body()
    }

    // MARK: text

    private func selectFont(size: Double, bold: Bool) {
        cairo_select_font_face(cr, Self.fontFamily, CAIRO_FONT_SLANT_NORMAL,
                               bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
    }

    /// The advance width of `text` in pixels.
    public func textWidth(_ text: String, size: Double, bold: Bool = false) -> Double {
        selectFont(size: size, bold: bold)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        return extents.x_advance
    }

    /// Draws one line of text anchored at `point`, optionally rotated by `angle` radians (counter-clockwise
    /// on screen for positive angles, so `.pi / 2` reads bottom-to-top as a y-axis label does).
    public func text(_ text: String, at point: (x: Double, y: Double), size: Double, color: PlotColor = .text,
                     bold: Bool = false, align: TextAlignment = .leading, baseline: TextBaseline = .bottom,
                     angle: Double = 0) {
        guard !text.isEmpty else { return }
        selectFont(size: size, bold: bold)
        var font = cairo_font_extents_t()
        cairo_font_extents(cr, &font)
        let width = textWidth(text, size: size, bold: bold)
        let dx: Double = switch align { case .leading: 0; case .center: -width / 2; case .trailing: -width }
        // Offsets from the anchor to the baseline, from the font's ascent and descent (not the glyphs'),
        // so labels in a row line up whatever letters they contain.
        let dy: Double = switch baseline {
        case .top: font.ascent
        case .middle: (font.ascent - font.descent) / 2
        case .bottom: -font.descent
        }
        cairo_save(cr)
        defer { cairo_restore(cr) }
        cairo_translate(cr, point.x, point.y)
        cairo_rotate(cr, -angle)
        cairo_move_to(cr, dx, dy)
        setColor(color)
        cairo_show_text(cr, text)
    }

    /// The height of a line of text (ascent + descent) at `size`.
    public func lineHeight(size: Double) -> Double {
        selectFont(size: size, bold: false)
        var font = cairo_font_extents_t()
        cairo_font_extents(cr, &font)
        return font.ascent + font.descent
    }

    // MARK: images

    /// Draws a grayscale image (`pixels` row-major `height`×`width`, 0 = black, 1 = white, clamped; NaN
    /// draws as mid-grey) scaled into `rect` with nearest-neighbour sampling, so pixels stay visible.
    public func drawGrayImage<C: Collection>(_ pixels: C, width: Int, height: Int, in rect: PlotRect)
    where C.Element: BinaryFloatingPoint {
        precondition(pixels.count == width * height, "image has \(pixels.count) pixels, expected \(width)×\(height)")
        guard width > 0, height > 0 else { return }
        let image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height))!
        defer { cairo_surface_destroy(image) }
        cairo_surface_flush(image)
        let stride = Int(cairo_image_surface_get_stride(image))
        let data = UnsafeMutableRawPointer(cairo_image_surface_get_data(image)!)
        for (i, value) in pixels.enumerated() {
            let v = Double(value)
            let byte = UInt32(v.isNaN ? 128 : (min(max(v, 0), 1) * 255).rounded())
            data.storeBytes(of: 0xFF00_0000 | (byte << 16) | (byte << 8) | byte,
                            toByteOffset: (i / width) * stride + 4 * (i % width), as: UInt32.self)
        }
        cairo_surface_mark_dirty(image)
        cairo_save(cr)
        defer { cairo_restore(cr) }
        cairo_translate(cr, rect.x, rect.y)
        cairo_scale(cr, rect.width / Double(width), rect.height / Double(height))
        cairo_set_source_surface(cr, image, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
        cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD)
        cairo_rectangle(cr, 0, 0, Double(width), Double(height))
        cairo_fill(cr)
    }

    // MARK: output

    /// Writes the canvas as PNG to `path`: first to a temporary file in the same folder, renamed over
    /// `path` once complete, so a reader never sees a half-written figure. Creates missing folders.
    public func writePNG(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw PlotError("\(path): cannot create folder \(dir) (\(error.localizedDescription))")
        }
        let temp = siblingTemporaryPath(for: path)
        defer { try? FileManager.default.removeItem(atPath: temp) }
        cairo_surface_flush(surface)
        let status = cairo_surface_write_to_png(surface, temp)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw PlotError("\(path): cannot write PNG (\(String(cString: cairo_status_to_string(status))))")
        }
        guard rename(temp, path) == 0 else {
            throw PlotError("\(path): cannot replace the file (\(String(cString: strerror(errno))))")
        }
    }
}

/// A PNG read back into memory (through Cairo), for checks on written figures.
public struct PlotRaster: Sendable {
    public let width: Int
    public let height: Int
    /// Row-major pixels, `0xAARRGGBB` (premultiplied alpha, as Cairo stores them).
    public let pixels: [UInt32]

    public init(contentsOfPNG path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw PlotError("\(path): no such file") }
        let surface = cairo_image_surface_create_from_png(path)!
        defer { cairo_surface_destroy(surface) }
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw PlotError("\(path): not a readable PNG (\(String(cString: cairo_status_to_string(status))))")
        }
        let converted = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, cairo_image_surface_get_width(surface),
                                                   cairo_image_surface_get_height(surface))!
        defer { cairo_surface_destroy(converted) }
        let cr = cairo_create(converted)!
        cairo_set_source_surface(cr, surface, 0, 0)
        cairo_paint(cr)
        cairo_destroy(cr)
        cairo_surface_flush(converted)
        width = Int(cairo_image_surface_get_width(converted))
        height = Int(cairo_image_surface_get_height(converted))
        let stride = Int(cairo_image_surface_get_stride(converted))
        let data = cairo_image_surface_get_data(converted)!
        var pixels = [UInt32](repeating: 0, count: width * height)
        for y in 0..<height {
            let row = UnsafeRawPointer(data.advanced(by: y * stride))
            for x in 0..<width { pixels[y * width + x] = row.load(fromByteOffset: 4 * x, as: UInt32.self) }
        }
        self.pixels = pixels
    }

    public func pixel(x: Int, y: Int) -> UInt32 { pixels[y * width + x] }

    /// The distinct pixel values (a blank image has one).
    public var distinctColors: Set<UInt32> { Set(pixels) }
}
