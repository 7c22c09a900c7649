import EBM

extension Command {
    static let plot = Command(
        "plot", category: .images,
        summary: "a line chart in text: training histories (one monitor against the epoch) or lists of numbers",
        parameters: [
            Parameter("y", .choice(["loglik", "pll", "recon"]), default: .string("loglik"), "which monitor of a history to plot"),
            Parameter("labels", .optional(.list), default: Value.none, "a name for each series, in order"),
            Parameter("width", .integer(min: 10, max: 200), default: .number(60), "columns of the plot area"),
            Parameter("height", .integer(min: 4, max: 100), default: .number(15), "rows of the plot area"),
        ].map { $0.byNameOnly() },
        variadic: Parameter("series", .any, "histories, lists of numbers or vectors"),
        details: """
        Each series gets its own marker (* o + x # @); points are joined by dots.
        Example:
          plot h_cd, h_pcd, y: "loglik", labels: ["CD-1", "PCD-1"]
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
        for (i, value) in args.rest.enumerated() {
            let label = i < labels.count ? labels[i] : "series \(i + 1)"
            switch value {
            case .object(let h as HistoryValue):
                let points = h.history.epochs.compactMap { e -> (x: Double, y: Double)? in
                    let v: Double? = y == "loglik" ? e.logLikelihood : (y == "pll" ? (e.exactPseudoLogLikelihood ?? e.pseudoLogLikelihood) : e.reconstructionError)
                    return v.map { (Double(e.epoch), $0) }
                }
                if points.isEmpty && y == "loglik" {
                    throw ScriptError(.value, "plot: history \(i + 1) has no exact log-likelihood (the model is too large to enumerate)",
                                      at: args.callLocation, hint: "plot y: \"pll\" or y: \"recon\" instead")
                }
                series.append(.init(label: label, points: points))
            default:
                guard let t = tensorValue(value), t.rank == 1 else {
                    throw ScriptError(.argument, "plot: cannot plot \(describe(value))", at: args.callLocation,
                                      hint: "plot histories from train(...), or lists of numbers")
                }
                series.append(.init(label: label, points: t.scalars.enumerated().map { (Double($0.offset), Double($0.element)) }))
            }
        }
        let histories = args.rest.allSatisfy { if case .object(_ as HistoryValue) = $0 { return true } else { return false } }
        var chart = TextChart(series: series, width: args.int("width"), height: args.int("height"))
        if histories {
            chart.yLabel = ["loglik": "exact mean log-likelihood", "pll": "pseudo-log-likelihood", "recon": "reconstruction error"][y] ?? y
            chart.xLabel = "epoch"
        }
        context.write(chart.text)
        return .none
    }
}
