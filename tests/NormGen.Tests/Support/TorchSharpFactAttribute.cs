using System;
using Xunit;

namespace NormGen.Tests.Support;

/// <summary>
/// A test that needs TorchSharp's native library. Where libtorch cannot load it is skipped with
/// the load error as the reason — never passed silently. Set NORMGEN_REQUIRE_TORCHSHARP=1 (CI does)
/// to make it run regardless, so a machine that cannot load libtorch fails instead of skipping.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class TorchSharpFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> LoadError = new(Probe);

    public TorchSharpFactAttribute()
    {
        bool required = Environment.GetEnvironmentVariable("NORMGEN_REQUIRE_TORCHSHARP") == "1";
        if (!required && LoadError.Value is { } error)
        {
            Skip = "TorchSharp's native library does not load here: " + error;
        }
    }

    private static string? Probe()
    {
        try
        {
            using var probe = TorchSharp.torch.ones(1);
            return null;
        }
        catch (Exception e)
        {
            return (e.InnerException ?? e).Message;
        }
    }
}
