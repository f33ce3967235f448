using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;

namespace NormGen.Benchmarks.Suites;

/// <summary>Shows case names in full; BenchmarkDotNet cuts parameter values at 20 characters by default.</summary>
public sealed class NormBenchmarkConfig : ManualConfig
{
    public NormBenchmarkConfig()
    {
        SummaryStyle = SummaryStyle.Default.WithMaxParameterColumnWidth(40);
    }
}
