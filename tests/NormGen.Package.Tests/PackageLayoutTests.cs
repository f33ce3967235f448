using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using NormGen.Package.Tests.Support;
using Xunit;

namespace NormGen.Package.Tests;

/// <summary>
/// The .nupkg that <c>dotnet pack src/NormGen</c> makes: one package with the runtime in lib/, the
/// generator and its analyzer in analyzers/, the props that turn on unsafe code, and no dependencies.
/// </summary>
[Collection(PackedNormGenCollection.Name)]
[Trait("Category", "Package")]
public class PackageLayoutTests(PackedNormGen package)
{
    private static readonly string[] ExpectedFiles =
    [
        "README.md",
        "analyzers/dotnet/cs/NormGen.Analyzers.CodeFixes.dll",
        "analyzers/dotnet/cs/NormGen.Analyzers.dll",
        "analyzers/dotnet/cs/NormGen.Generators.dll",
        "build/NormGen.props",
        "buildTransitive/NormGen.props",
        "lib/net8.0/NormGen.dll",
        "lib/net8.0/NormGen.xml",
    ];

    [Fact]
    public void Package_holds_the_runtime_the_generator_the_props_and_the_readme()
    {
        using ZipArchive archive = ZipFile.OpenRead(package.PackagePath);
        string[] files = archive.Entries
            .Select(e => e.FullName)
            .Where(name => !IsPackagingMetadata(name))
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(ExpectedFiles, files);
    }

    [Fact]
    public void Nuspec_names_the_package_and_its_readme_and_depends_on_nothing()
    {
        XElement metadata = ReadNuspec().Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Value(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

        Assert.Equal("NormGen", Value("id"));
        Assert.Equal(package.Version, Value("version"));
        Assert.Equal("README.md", Value("readme"));

        // Roslyn is the compiler's, and the generator project only ships as an analyzer.
        string[] dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => (string?)e.Attribute("id") ?? "")
            .ToArray();
        Assert.Empty(dependencies);
    }

    [Theory]
    [InlineData("build/NormGen.props")]
    [InlineData("buildTransitive/NormGen.props")]
    public void Props_turn_on_unsafe_code_unless_the_project_decides(string path)
    {
        XDocument props = XDocument.Parse(ReadEntry(path));

        XElement allowUnsafe = props.Descendants().Single(e => e.Name.LocalName == "AllowUnsafeBlocks");
        Assert.Equal("true", allowUnsafe.Value);
        Assert.Equal("'$(AllowUnsafeBlocks)' == ''", (string?)allowUnsafe.Attribute("Condition"));
    }

    [Fact]
    public void Analyzer_assembly_targets_netstandard20_and_a_roslyn_no_newer_than_4_8()
    {
        using var pe = new PEReader(new MemoryStream(ReadBytes("analyzers/dotnet/cs/NormGen.Generators.dll")));
        MetadataReader reader = pe.GetMetadataReader();

        var references = reader.AssemblyReferences
            .Select(reader.GetAssemblyReference)
            .ToDictionary(r => reader.GetString(r.Name), r => r.Version);
        Assert.Contains("netstandard", references.Keys);
        Assert.Equal(new Version(2, 0, 0, 0), references["netstandard"]);
        foreach (string roslyn in new[] { "Microsoft.CodeAnalysis", "Microsoft.CodeAnalysis.CSharp" })
        {
            Assert.True(references.TryGetValue(roslyn, out Version? version), $"{roslyn} is not referenced.");
            Assert.True(version <= new Version(4, 8, 0, 0), $"{roslyn} {version} is newer than the .NET 8 SDK's compiler.");
        }
    }

    // Files NuGet itself writes into every package.
    private static bool IsPackagingMetadata(string name) =>
        name is "[Content_Types].xml" or "NormGen.nuspec"
        || name.StartsWith("_rels/", StringComparison.Ordinal)
        || name.StartsWith("package/", StringComparison.Ordinal);

    private XDocument ReadNuspec() => XDocument.Parse(ReadEntry("NormGen.nuspec"));

    private string ReadEntry(string path)
    {
        // StreamReader drops the byte order mark that NuGet writes before the nuspec.
        using var reader = new StreamReader(new MemoryStream(ReadBytes(path)));
        return reader.ReadToEnd();
    }

    private byte[] ReadBytes(string path)
    {
        using ZipArchive archive = ZipFile.OpenRead(package.PackagePath);
        ZipArchiveEntry? entry = archive.GetEntry(path);
        Assert.True(entry is not null, $"{path} is not in the package.");

        using Stream source = entry.Open();
        using var copy = new MemoryStream();
        source.CopyTo(copy);
        return copy.ToArray();
    }
}
