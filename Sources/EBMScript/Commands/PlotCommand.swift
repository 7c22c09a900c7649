import EBM
import EBMIO

extension Command {
    static let plot = Command(
        "plot", category: .images,
        summary: "a line chart of training histories or numbers, in text; with file: also as a PNG with axes",
        parameters: [
            Parameter("y", .optional(.string), default: Value.none, "which column of a history to plot, by name (h.columns lists them; \"ais\" is ais_loglik); default loglik when the history has it, else its first column"),
            Parameter("labels", .optional(.list), default: Value.none, "a name for each series, in order"),
            Parameter("title", .string, default: .string(""), "the PNG's title"),
            Parameter("log_x", .bool, default: .bool(false), "a logarithmic x axis (points with x ≤ 0 are left out)"),
            Parameter("log_y", .bool, default: .bool(false), "a logarithmic y axis (points with y ≤ 0 are left out)"),
            Parameter("width", .integer(min: 10, max: 200), default: .number(60), "columns of the text plot area"),
            Parameter("height", .integer(min: 4, max: 100), default: .number(15), "rows of the text plot area"),
            Parameter("file", .optional(.path), default: Value.none, "also write the chart as a PNG file here"),
            Parameter("pixels", .optional(.list), default: Value.none, "the PNG's [width, height] in pixels; [640, 400] when not given"),
        ].map { $0.byNameOnly() },
        variadic: Parameter("series", .any, "histories, lists of numbers, or matrices with rows (x, y) or (x, y, ±error)"),
        details: """
        A series is a training history (the monitor `y` against the epoch), a list of numbers
        (plotted against 0, 1, 2, …), or a matrix whose rows are (x, y) points or (x, y, ±error)
        points; error bars and the title show only in the PNG. In text, each series gets its
        own marker (* o + x # @) and points are joined by dots; log axes work in text too.
        With file: the chart is also written as an RGB PNG (atomically, missing folders created),
        with 1-2-5 ticks (powers of ten on log axes), axis labels, a legend, and a colour and
        marker per series; `width` and `height` stay text sizes, `pixels` sets the image size.
        Examples:
          plot h_cd, h_pcd, y: "loglik", labels: ["CD-1", "PCD-1"], file: "images/loglik.png"
          plot transpose([ks, bias, noise]), log_x: true, labels: ["bias"], title: "CD-k"
        """
    ) { args, context in
        guard !args.rest.isEmpty else {
            throw ScriptError(.argument, "plot: give at least one series to plot", at: args.callLocation,
                              hint: "e.g. plot(h, y: \"loglik\") for a training history h")
        }
        var labels: [String] = []
        if case .list(let items) = args["labels"] {
            labels = items.map { if case .string(let s) = $0 { return s } else { return context.format.render($0) } }
        }
        var y = args.optionalString("y") ?? "loglik"
        if y == "ais" { y = "ais_loglik" }
        var series: [LineChart.Series] = []
        for (i, value) in args.rest.enumerated() {
            // A history's series is named by its column unless labelled; other series by number.
            var label = i < labels.count ? labels[i] : "series \(i + 1)"
            if i >= labels.count, case .object(let h as HistoryValue) = value,
               let name = h.column(y, explicit: args.optionalString("y") != nil) {
                label = args.rest.count == 1 ? name : "\(name) \(i + 1)"
            }
            series += try plotSeries(value, number: i + 1, label: label, labelled: i < labels.count, y: y, args)
        }
        let histories = args.rest.compactMap { value -> HistoryValue? in if case .object(let h as HistoryValue) = value { return h } else { return nil } }
        let allHistories = histories.count == args.rest.count
        let column = histories.first.flatMap { $0.column(y, explicit: args.optionalString("y") != nil) }
        let xLabel = allHistories ? (histories.first?.history.unit.rawValue ?? "") : ""
        let yLabel = allHistories ? ([ "loglik": "exact mean log-likelihood", "pll": "pseudo-log-likelihood", "recon": "reconstruction error",
                                       "ais_loglik": "mean log-likelihood (AIS)"][column ?? y] ?? histories.first?.history[column ?? y]?.title ?? y) : ""

        var text = TextChart(series: series.map { .init(label: $0.label, points: $0.points) },
                             width: args.int("width"), height: args.int("height"))
        (text.xLabel, text.yLabel, text.logX, text.logY) = (xLabel, yLabel, args.bool("log_x"), args.bool("log_y"))
        context.write(text.text)

        if let path = args.optionalString("file") {
            guard path.lowercased().hasSuffix(".png") else {
                throw args.error("file", "the file name should end in .png, got \"\(path)\"", hint: "e.g. \"images/loglik.png\"")
            }
            let (w, h) = try pixelSize(args)
            var chart = LineChart(series: series)
            (chart.xLabel, chart.yLabel, chart.title, chart.logX, chart.logY) = (xLabel, yLabel, args.string("title"), args.bool("log_x"), args.bool("log_y"))
            chart.wholeX = allHistories   // epochs and iterations are whole numbers
            let picture = chart.image(width: w, height: h)
            let resolved = context.resolve(path)
            try fileErrors(args, "file") { try PNG.write(picture, to: resolved) }
            context.didWrite(resolved)
            context.write("wrote \(context.shownPath(path)) (\(picture.summary))\n")
        }
        return .none
    }
}

/// One argument of `plot` as a series: a history's monitor against the epoch, a vector against
/// 0, 1, 2, …, or a matrix of (x, y) or (x, y, ±error) rows.
/// A history with a `layer` column (a DBN's greedy training) gives one series per layer,
/// labelled "layer 1", "layer 2"… (after the label when the series was labelled).
private func plotSeries(_ value: Value, number: Int, label: String, labelled: Bool, y: String, _ args: Arguments) throws -> [LineChart.Series] {
    if case .object(let h as HistoryValue) = value {
        guard let name = h.column(y, explicit: args.optionalString("y") != nil), let s = h.series(name) else {
            throw ScriptError(.value, "plot: history \(number) has no column \"\(y)\"", at: args.location(of: "y"),
                              hint: "its columns: " + h.history.columnNames.joined(separator: ", "))
        }
        let points = s.points
        if points.isEmpty && name == "ais_loglik" {
            throw ScriptError(.value, "plot: history \(number) has no AIS estimates", at: args.callLocation,
                              hint: "train with ais_every: N to record them")
        }
        if points.isEmpty && name == "loglik" {
            throw ScriptError(.value, "plot: history \(number) has no exact log-likelihood (the model is too large to enumerate)",
                              at: args.callLocation, hint: "plot y: \"pll\" or y: \"recon\" instead")
        }
        if points.isEmpty {
            throw ScriptError(.value, "plot: history \(number) has no values in column \"\(name)\"", at: args.callLocation)
        }
        if let layers = h.history["layer"], name != "layer" {
            // The rows of column `name` with a value, in order, and the layer of each.
            let rowLayers = h.history.steps.indices.filter { h.history[name]?.values[$0] != nil }.map { layers.values[$0] }
            let distinct = Array(Set(rowLayers.compactMap { $0 })).sorted()
            if distinct.count > 1 {
                return distinct.map { l in
                    let keep = rowLayers.indices.filter { rowLayers[$0] == l }
                    return LineChart.Series(label: (labelled ? "\(label), " : "") + "layer \(Int(l))",
                                            points: keep.map { points[$0] }, errors: s.errors.map { e in keep.map { e[$0] } })
                }
            }
        }
        return [.init(label: label, points: points, errors: s.errors)]
    }
    guard let t = tensorValue(value) else {
        throw ScriptError(.argument, "plot: cannot plot \(describe(value))", at: args.callLocation,
                          hint: "plot histories from train(...), lists of numbers, or matrices with rows (x, y)")
    }
    let s = t.scalars.map(Double.init)
    if t.rank == 1 { return [.init(label: label, points: s.enumerated().map { (Double($0.offset), $0.element) })] }
    guard t.rank == 2, t.shape[1] == 2 || t.shape[1] == 3 else {
        throw ScriptError(.argument, "plot: series \(number) is a tensor \(shapeText(t.shape)); a series is a list of numbers or a matrix with 2 or 3 columns",
                          at: args.callLocation, hint: "rows (x, y) or (x, y, ±error), e.g. transpose([ks, values])")
    }
    let columns = t.shape[1], rows = t.shape[0]
    let points = (0..<rows).map { (x: s[$0 * columns], y: s[$0 * columns + 1]) }
    return [.init(label: label, points: points, errors: columns == 3 ? (0..<rows).map { s[$0 * 3 + 2] } : nil)]
}

/// `pixels: [w, h]`, or 640 × 400.
private func pixelSize(_ args: Arguments) throws -> (Int, Int) {
    guard case .list(let items) = args["pixels"] else { return (640, 400) }
    let sizes = items.compactMap { item -> Int? in
        guard case .number(let v) = item, v == v.rounded(), v >= 100, v <= 4000 else { return nil }
        return Int(v)
    }
    guard items.count == 2, sizes.count == 2 else {
        throw args.error("pixels", "give the PNG's size as [width, height], whole numbers from 100 to 4000", hint: "e.g. pixels: [800, 500]")
    }
    return (sizes[0], sizes[1])
}
