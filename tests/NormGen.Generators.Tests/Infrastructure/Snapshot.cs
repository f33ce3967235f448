using System;
using System.IO;

namespace NormGen.Generators.Tests.Infrastructure;

/// <summary>
/// Expected generated files, kept under <c>Snapshots/</c>. To accept new output after a deliberate
/// change to the emitter, run the tests with <c>NORMGEN_ACCEPT_SNAPSHOTS=1</c>, then review the diff.
/// </summary>
internal static class Snapshot
{
    public const string AcceptVariable = "NORMGEN_ACCEPT_SNAPSHOTS";

    public static bool Accepting => Environment.GetEnvironmentVariable(AcceptVariable) == "1";

    /// <summary>The expected text, with line endings normalized to the emitter's <c>\n</c>.</summary>
    public static string Read(string name) =>
        File.ReadAllText(Path.Combine(OutputDirectory, name)).Replace("\r\n", "\n");

    /// <summary>Writes <paramref name="text"/> as the new expected file, in the sources and in the test output.</summary>
    public static void Accept(string name, string text)
    {
        foreach (string directory in new[] { SourceDirectory, OutputDirectory })
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, name), text);
        }
    }

    private static string OutputDirectory => Path.Combine(AppContext.BaseDirectory, "Snapshots");

    // The project directory is stamped into the assembly at build time (see the .csproj), so
    // accepting works from any working directory.
    private static string SourceDirectory => BuildMetadata.Get("SnapshotSourceDirectory");
}
