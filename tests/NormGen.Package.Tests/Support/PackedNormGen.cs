using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Xunit;

namespace NormGen.Package.Tests.Support;

/// <summary>
/// The NormGen package, packed once from this repository's sources into a folder that serves as a
/// package source. Each run packs a version of its own, so no cache can hand a consumer an older build.
/// </summary>
public sealed class PackedNormGen : IDisposable
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(10);

    private readonly CommandResult _pack;

    public PackedNormGen()
    {
        Root = Directory.CreateTempSubdirectory("normgen-package-tests-").FullName;
        FeedDirectory = Path.Combine(Root, "feed");
        // A letter first: a prerelease identifier made only of digits may not start with 0.
        Version = $"0.0.0-test.g{Guid.NewGuid():N}";

        // Build outputs go under the temporary folder too (artifacts layout), so packing neither
        // reuses nor disturbs the repository's own bin/ and obj/ folders.
        _pack = DotNetCli.Run(
            RepoRoot,
            PackTimeout,
            environment: null,
            "pack", Path.Combine(RepoRoot, "src", "NormGen", "NormGen.csproj"),
            "-c", "Release",
            "-o", FeedDirectory,
            $"-p:PackageVersion={Version}",
            "-p:UseArtifactsOutput=true",
            $"-p:ArtifactsPath={Path.Combine(Root, "artifacts")}",
            "--disable-build-servers",
            "-nologo",
            "-tl:off");
    }

    /// <summary>The repository that holds src/NormGen.</summary>
    public static string RepoRoot { get; } = typeof(PackedNormGen).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepoRoot").Value!;

    /// <summary>The temporary folder that holds everything these tests write.</summary>
    public string Root { get; }

    /// <summary>The local package source that holds the packed package.</summary>
    public string FeedDirectory { get; }

    /// <summary>The version the package was packed with.</summary>
    public string Version { get; }

    /// <summary>The packed .nupkg; fails the calling test, with pack's output, if packing failed.</summary>
    public string PackagePath
    {
        get
        {
            Assert.True(_pack.Succeeded, _pack.Describe());
            string[] packages = Directory.GetFiles(FeedDirectory, "*.nupkg");
            Assert.True(packages.Length == 1, $"Expected exactly NormGen.{Version}.nupkg in {FeedDirectory}, found: {string.Join(", ", packages)}. {_pack.Describe()}");
            Assert.Equal($"NormGen.{Version}.nupkg", Path.GetFileName(packages[0]));
            return packages[0];
        }
    }

    public void Dispose() => TemporaryFolder.Delete(Root);
}

/// <summary>One pack for every test that needs the package.</summary>
[CollectionDefinition(Name)]
public sealed class PackedNormGenCollection : ICollectionFixture<PackedNormGen>
{
    public const string Name = "Packed NormGen";
}
