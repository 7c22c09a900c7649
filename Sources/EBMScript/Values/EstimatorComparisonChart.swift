import EBM

extension EstimatorComparisonValue {
    /// Bias and standard deviation against k (log axis); PCD as flat lines for comparison.
    public var chart: LineChart {
        let cd = comparison.rows.filter { !$0.persistent }
        let ks = cd.map { Double($0.k) }
        var series = [
            LineChart.Series(label: "CD-k bias |E[g] - grad|", points: cd.map { (x: Double($0.k), y: $0.bias) }, errors: cd.map(\.biasNoise)),
            LineChart.Series(label: "CD-k sd", points: cd.map { (x: Double($0.k), y: $0.variance.squareRoot()) }),
        ]
        if let pcd = comparison.rows.first(where: \.persistent), let lo = ks.min(), let hi = ks.max() {
            series.append(LineChart.Series(label: "PCD-1 bias", points: [(x: lo, y: pcd.bias), (x: hi, y: pcd.bias)]))
            series.append(LineChart.Series(label: "PCD-1 sd", points: [(x: lo, y: pcd.variance.squareRoot()), (x: hi, y: pcd.variance.squareRoot())]))
        }
        var chart = LineChart(series: series)
        chart.title = "CD-k and PCD against the exact gradient (|grad| = \(formatNumber(comparison.exactNorm, digits: 4)))"
        chart.xLabel = "k (Gibbs steps)"
        chart.yLabel = "distance to the exact gradient, and sd of one estimate"
        chart.logX = true
        return chart
    }
}
