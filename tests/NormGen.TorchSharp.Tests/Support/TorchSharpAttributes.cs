using System;
using Xunit;

namespace NormGen.TorchModules.Tests.Support;

/// <summary>
/// Whether libtorch loads here. Tests that need it are skipped with the load error as the reason where it
/// does not — never passed silently — unless NORMGEN_REQUIRE_TORCHSHARP=1 (CI sets it), which makes them run and fail.
/// </summary>
internal static class TorchSharpAvailability
{
    private static readonly Lazy<string?> LoadError = new(Probe);

    public static string? SkipReason =>
        Environment.GetEnvironmentVariable("NORMGEN_REQUIRE_TORCHSHARP") != "1" && LoadError.Value is { } error
            ? "TorchSharp's native library does not load here: " + error
            : null;

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

/// <summary>A fact that needs libtorch (see <see cref="TorchSharpAvailability"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class TorchSharpFactAttribute : FactAttribute
{
    public TorchSharpFactAttribute() => Skip = TorchSharpAvailability.SkipReason;
}

/// <summary>A theory that needs libtorch (see <see cref="TorchSharpAvailability"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class TorchSharpTheoryAttribute : TheoryAttribute
{
    public TorchSharpTheoryAttribute() => Skip = TorchSharpAvailability.SkipReason;
}
