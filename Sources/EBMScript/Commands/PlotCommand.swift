import EBM
import EBMIO

extension Command {
    static let plot = Command(
        "plot", category: .images,
        summary: "a line chart in text: training histories (one monitor against the epoch) or lists of numbers",
        parameters: [
            Parameter("y", .choice(["loglik", "pll", "recon", "ais"]), default: .string("loglik"), "which monitor of a history to plot (ais: the log-likelihood under AIS's log Z)"),
            Parameter("labels", .optional(.list), default: Value.none, "a name for each series, in order"),
            Parameter("width", .integer(min: 10, max: 200), default: .number(60), "columns of the plot area"),
            Parameter("height", .integer(min: 4, max: 100), default: .number(15), "rows of the plot area"),
            Parameter("file", .optional(.path), default: Value.none, "also draw the chart as a 640×400 PNG here"),
            Parameter("title", .string, default: .string(""), "the PNG's title"),
            Parameter("log_x", .bool, default: .bool(false), "a logarithmic x axis in the PNG"),
            Parameter("log_y", .bool, default: .bool(false), "a logarithmic y axis in the PNG"),
        ].map { $0.byNameOnly() },
        variadic: Parameter("series", .any, "histories, lists of numbers or vectors"),
        details: """
        Each series gets its own marker (* o + x # @); points are joined by dots. A series can
        also be an n × 2 matrix of (x, y) rows, or n × 3 with a ± error in the third column.
        With file:, the same chart is also written as a PNG (through libpng, atomically), with
        axes, ticks, a legend and error bars.
        Example:
          plot h_cd, h_pcd, y: "loglik", labels: ["CD-1", "PCD-1"], file: "images/loglik.png"
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
        let y = args.string("y")
        var series: [TextChart.Series] = []
        var errors: [Int: [Double]] = [:]
        for (i, value) in args.rest.enumerated() {
            let label = i < labels.count ? labels[i] : "series \(i + 1)"
            switch value {
            case .object(let h as HistoryValue):
                let points = h.history.epochs.compactMap { e -> (x: Double, y: Double)? in
                    let v: Double?
                    switch y {
                    case "loglik": v = e.logLikelihood
                    case "pll": v = e.exactPseudoLogLikelihood ?? e.pseudoLogLikelihood
                    case "ais": v = e.aisLogLikelihood
                    default: v = e.reconstructionError
                    }
                    return v.map { (Double(e.epoch), $0) }
                }
                if points.isEmpty && y == "ais" {
                    throw ScriptError(.value, "plot: history \(i + 1) has no AIS estimates", at: args.callLocation,
                                      hint: "train with ais_every: N to record them")
                }
                if points.isEmpty && y == "loglik" {
                    throw ScriptError(.value, "plot: history \(i + 1) has no exact log-likelihood (the model is too large to enumerate)",
                                      at: args.callLocation, hint: "plot y: \"pll\" or y: \"recon\" instead")
                }
                series.append(.init(label: label, points: points))
            default:
                guard let t = tensorValue(value), t.rank == 1 || (t.rank == 2 && (t.shape[1] == 2 || t.shape[1] == 3)) else {
                    throw ScriptError(.argument, "plot: cannot plot \(describe(value))", at: args.callLocation,
                                      hint: "plot histories from train(...), lists of numbers, or n × 2 matrices of (x, y) rows")
                }
                if t.rank == 1 {
                    series.append(.init(label: label, points: t.scalars.enumerated().map { (Double($0.offset), Double($0.element)) }))
                } else {
                    let w = t.shape[1]
                    series.append(.init(label: label, points: (0..<t.rows).map { (Double(t.scalars[$0 * w]), Double(t.scalars[$0 * w + 1])) }))
                    if w == 3 { errors[series.count - 1] = (0..<t.rows).map { Double(t.scalars[$0 * w + 2]) } }
                }
            }
        }
        let histories = args.rest.allSatisfy { if case .object(_ as HistoryValue) = $0 { return true } else { return false } }
        var chart = TextChart(series: series, width: args.int("width"), height: args.int("height"))
        if histories {
            chart.yLabel = ["loglik": "exact mean log-likelihood", "pll": "pseudo-log-likelihood", "recon": "reconstruction error",
                            "ais": "mean log-likelihood (AIS)"][y] ?? y
            chart.xLabel = "epoch"
        }
        context.write(chart.text)
        if let path = args.optionalString("file") {
            guard path.lowercased().hasSuffix(".png") else {
                throw args.error("file", "the file name should end in .png, got \"\(path)\"", hint: "e.g. \"images/loglik.png\"")
            }
            var png = LineChart(series: series.enumerated().map { i, s in
                LineChart.Series(label: s.label, points: s.points.map { (x: $0.x, y: $0.y) }, errors: errors[i])
            })
            png.title = args.string("title")
            png.xLabel = chart.xLabel
            png.yLabel = chart.yLabel
            png.logX = args.bool("log_x")
            png.logY = args.bool("log_y")
            let picture = png.image()
            let resolved = context.resolve(path)
            try fileErrors(args, "file") { try PNG.write(picture, to: resolved) }
            context.didWrite(resolved)
            context.write("wrote \(path) (\(picture.width)×\(picture.height) RGB)\n")
        }
        return .none
    }
}
