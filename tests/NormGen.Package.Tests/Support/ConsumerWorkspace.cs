using System;
using System.Collections.Generic;
using System.IO;
using System.Security;

namespace NormGen.Package.Tests.Support;

/// <summary>
/// A folder outside the repository that holds projects consuming the packed NormGen the way a user's
/// projects do: through a nuget.config source and a PackageReference, with nothing else set up.
/// </summary>
internal sealed class ConsumerWorkspace
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    private readonly Dictionary<string, string> _environment;

    public ConsumerWorkspace(PackedNormGen package, string name)
    {
        // Fails here, with pack's output, when there is no package to consume.
        _ = package.PackagePath;
        Package = package;
        Folder = Directory.CreateDirectory(Path.Combine(package.Root, name)).FullName;
        PackagesDirectory = Path.Combine(Folder, "packages");

        // Restores go to a packages folder of the workspace's own, so the user's global folder never
        // holds a test build of NormGen; anything else already in that global folder is read from it.
        _environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = PackagesDirectory };

        // Empty files here stop MSBuild looking further up for settings that are not the user's.
        const string EmptyProject = "<Project>\n</Project>\n";
        File.WriteAllText(Path.Combine(Folder, "Directory.Build.props"), EmptyProject);
        File.WriteAllText(Path.Combine(Folder, "Directory.Build.targets"), EmptyProject);
        File.WriteAllText(Path.Combine(Folder, "Directory.Packages.props"), EmptyProject);
        File.WriteAllText(Path.Combine(Folder, "nuget.config"), NuGetConfig(package.FeedDirectory));
    }

    public PackedNormGen Package { get; }

    public string Folder { get; }

    /// <summary>The workspace's NuGet packages folder (NUGET_PACKAGES for every command run here).</summary>
    public string PackagesDirectory { get; }

    /// <summary>Writes a project folder holding <paramref name="files"/> (relative path → text) and returns its .csproj path.</summary>
    public string AddProject(string name, string projectXml, IReadOnlyDictionary<string, string> files)
    {
        string folder = Directory.CreateDirectory(Path.Combine(Folder, name)).FullName;
        string project = Path.Combine(folder, name + ".csproj");
        File.WriteAllText(project, projectXml);
        foreach ((string path, string text) in files)
        {
            File.WriteAllText(Path.Combine(folder, path), text);
        }

        return project;
    }

    /// <summary>The .csproj of a console app on net10.0 that references NormGen, as `dotnet new console` plus one line.</summary>
    public string PackageConsumerProject(string extraItems = "") => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <ImplicitUsings>enable</ImplicitUsings>
            <Nullable>enable</Nullable>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="NormGen" Version="{Package.Version}" />{extraItems}
          </ItemGroup>
        </Project>
        """;

    /// <summary><c>dotnet build</c> (restore included) of a project in this workspace, in Release.</summary>
    public CommandResult Build(string project) => DotNetCli.Run(
        Folder, BuildTimeout, _environment,
        "build", project, "-c", "Release", "--disable-build-servers", "-nologo", "-tl:off");

    /// <summary>Runs a built app's assembly.</summary>
    public CommandResult Run(string assembly) => DotNetCli.Run(Folder, RunTimeout, _environment, assembly);

    /// <summary>Where NuGet puts the restored NormGen package of this workspace's version.</summary>
    public string RestoredPackageDirectory =>
        Path.Combine(PackagesDirectory, "normgen", Package.Version.ToLowerInvariant());

    private static string NuGetConfig(string feed)
    {
        // The user's global packages folder serves as a read-only fallback, so packages that are
        // already there restore without the network; the configured sources (nuget.org) stay as they are.
        string globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string fallback = Directory.Exists(globalPackages)
            ? $"""

                <fallbackPackageFolders>
                  <add key="user-packages" value="{SecurityElement.Escape(globalPackages)}" />
                </fallbackPackageFolders>
              """
            : "";

        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="normgen-under-test" value="{SecurityElement.Escape(feed)}" />
              </packageSources>{fallback}
            </configuration>
            """;
    }
}
