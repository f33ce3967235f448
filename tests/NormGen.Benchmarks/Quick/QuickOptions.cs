using System;

namespace NormGen.Benchmarks.Quick;

/// <summary>Command line of the quick mode: <c>--quick [--json PATH] [--svg PATH] [--check-floors] [--case TEXT]</c>.</summary>
internal sealed record QuickOptions(string? JsonPath, string? SvgPath, bool CheckFloors, string? CaseFilter)
{
    public static bool Requested(string[] args) => Array.IndexOf(args, "--quick") >= 0;

    public static QuickOptions Parse(string[] args)
    {
        string? json = null, svg = null, filter = null;
        bool checkFloors = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    break;
                case "--json":
                    json = Value(args, ref i);
                    break;
                case "--svg":
                    svg = Value(args, ref i);
                    break;
                case "--case":
                    filter = Value(args, ref i);
                    break;
                case "--check-floors":
                    checkFloors = true;
                    break;
                default:
                    throw new ArgumentException($"Unknown quick-mode option '{args[i]}'. Options: --json PATH, --svg PATH, --check-floors, --case TEXT.");
            }
        }

        // The chart goes next to the JSON unless it was asked for elsewhere.
        if (svg is null && json is not null)
        {
            svg = System.IO.Path.ChangeExtension(json, ".svg");
        }

        return new QuickOptions(json, svg, checkFloors, filter);
    }

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length)
        {
            throw new ArgumentException($"'{args[i]}' needs a value.");
        }

        return args[++i];
    }
}
