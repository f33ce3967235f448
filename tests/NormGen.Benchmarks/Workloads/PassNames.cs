namespace NormGen.Benchmarks.Workloads;

internal static class PassNames
{
    /// <summary>The name reports and JSON use.</summary>
    public static string Short(Pass pass) => pass == Pass.Forward ? "fwd" : "fwd+bwd";
}
