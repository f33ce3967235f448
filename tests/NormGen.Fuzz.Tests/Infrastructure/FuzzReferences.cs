using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace NormGen.Fuzz.Tests.Infrastructure;

/// <summary>What a fuzzed compilation references: .NET 8, the NormGen runtime and TorchSharp's managed assembly.</summary>
internal static class FuzzReferences
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static ImmutableArray<MetadataReference> s_all;

    public static async Task<ImmutableArray<MetadataReference>> AllAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (s_all.IsDefault)
            {
                ImmutableArray<MetadataReference> framework =
                    await ReferenceAssemblies.Net.Net80.ResolveAsync(LanguageNames.CSharp, CancellationToken.None);
                s_all = framework
                    .Add(MetadataReference.CreateFromFile(typeof(global::NormGen.LayerNormAttribute).Assembly.Location))
                    .Add(MetadataReference.CreateFromFile(FindTorchSharp()));
            }

            return s_all;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The repository this assembly was built from; the seed corpus lives there.</summary>
    public static string RepositoryRoot => Metadata("RepositoryRoot");

    private static string FindTorchSharp()
    {
        string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : Metadata("NuGetPackageRoot");
        string packageDirectory = Path.Combine(root, "torchsharp");
        string? assembly = Directory.Exists(packageDirectory)
            ? Directory.GetDirectories(packageDirectory)
                .OrderByDescending(d => Version.TryParse(Path.GetFileName(d), out Version? v) ? v : new Version(0, 0))
                .Select(d => Path.Combine(d, "lib", "net8.0", "TorchSharp.dll"))
                .FirstOrDefault(File.Exists)
            : null;
        return assembly ?? throw new InvalidOperationException($"TorchSharp.dll was not found under '{packageDirectory}'; restore this project first.");
    }

    private static string Metadata(string key) =>
        typeof(FuzzReferences).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
