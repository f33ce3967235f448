using System;
using System.Globalization;

namespace NormGen.Fuzz.Tests.Infrastructure;

/// <summary>
/// How much to fuzz and from which seed. The defaults size a run for CI; the environment scales it:
/// <c>NORMGEN_FUZZ_CASES</c> (cases per suite), <c>NORMGEN_FUZZ_SEED</c> (a number, or <c>random</c>),
/// <c>NORMGEN_FUZZ_CASE</c> (replay one case of the seed's run), <c>NORMGEN_FUZZ_COMPILE_EVERY</c>
/// (compile the generated code of every n-th case; 1 compiles all of it).
/// </summary>
internal static class FuzzSettings
{
    /// <summary>The seed CI runs with, so a CI failure reproduces anywhere.</summary>
    public const int DefaultSeed = 20261125;

    public static int Seed { get; } = ReadSeed();

    /// <summary>The one case to run instead of the whole run, when replaying a failure.</summary>
    public static int? ReplayCase { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("NORMGEN_FUZZ_CASE"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int index) ? index : null;

    /// <summary>
    /// Compiling generated kernels costs far more than generating them, so CI compiles the output of
    /// every 40th case (and of a replayed case); the generator, analyzers and fixes run on every case.
    /// </summary>
    public static int CompileEvery { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("NORMGEN_FUZZ_COMPILE_EVERY"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int every) && every > 0
            ? every
            : 40;

    /// <summary>Cases for a suite whose CI share is <paramref name="ciCases"/>.</summary>
    public static int CasesFor(int ciCases) =>
        int.TryParse(Environment.GetEnvironmentVariable("NORMGEN_FUZZ_CASES"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int cases) && cases > 0
            ? cases
            : ciCases;

    /// <summary>
    /// The random source of case <paramref name="index"/>: each case reproduces on its own. (Not
    /// <see cref="HashCode"/>, which is seeded per process.)
    /// </summary>
    public static Random RandomFor(int seed, int index) => new(unchecked((seed * 1_000_003) ^ (index * 7_919) ^ index));

    /// <summary>The line a failure report starts with: how to replay exactly this case.</summary>
    public static string ReplayHint(string suite, int index) =>
        $"{suite}: seed {Seed}, case {index} (replay: NORMGEN_FUZZ_SEED={Seed} NORMGEN_FUZZ_CASE={index} dotnet test tests/NormGen.Fuzz.Tests -c Release --filter {suite})";

    private static int ReadSeed()
    {
        string? text = Environment.GetEnvironmentVariable("NORMGEN_FUZZ_SEED");
        if (string.Equals(text, "random", StringComparison.OrdinalIgnoreCase))
        {
            return Environment.TickCount & int.MaxValue;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed) ? seed : DefaultSeed;
    }
}
