using System;
using System.Diagnostics;

namespace NormGen.Analyzers.Tests;

/// <summary>Runs the <c>dotnet</c> CLI the way a user would, and collects what it prints.</summary>
internal static class DotNetCommand
{
    public static (int ExitCode, string Output) Run(string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"dotnet {string.Join(' ', arguments)} timed out\n" + stdout.Result + stderr);
        }

        return (process.ExitCode, stdout.Result + stderr);
    }
}
