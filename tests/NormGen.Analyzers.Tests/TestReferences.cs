using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace NormGen.Analyzers.Tests;

/// <summary>What the test compilations reference: .NET 8, TorchSharp's managed assembly and NormGen's attributes.</summary>
internal static class TestReferences
{
    public static ReferenceAssemblies Net80 { get; } = ReferenceAssemblies.Net.Net80;

    /// <summary>TorchSharp.dll from the restored package (restore of this project brings it; no libtorch needed).</summary>
    public static MetadataReference TorchSharp { get; } = MetadataReference.CreateFromFile(TorchSharpPath);

    /// <summary>Where TorchSharp.dll lies in the NuGet cache.</summary>
    public static string TorchSharpPath => s_torchSharpPath ??= FindTorchSharp();

    private static string? s_torchSharpPath;

    public static MetadataReference NormGen { get; } =
        MetadataReference.CreateFromFile(typeof(global::NormGen.LayerNormAttribute).Assembly.Location);

    private static string FindTorchSharp()
    {
        string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : typeof(TestReferences).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "NuGetPackageRoot").Value!;

        string packageDirectory = Path.Combine(root, "torchsharp");
        string? assembly = Directory.Exists(packageDirectory)
            ? Directory.GetDirectories(packageDirectory)
                .OrderByDescending(d => Version.TryParse(Path.GetFileName(d), out Version? v) ? v : new Version(0, 0))
                .Select(d => Path.Combine(d, "lib", "net8.0", "TorchSharp.dll"))
                .FirstOrDefault(File.Exists)
            : null;
        return assembly ?? throw new InvalidOperationException($"TorchSharp.dll was not found under '{packageDirectory}'; restore this project first.");
    }
}
