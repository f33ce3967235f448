using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;

namespace NormGen.Package.Tests.Support;

/// <summary>What a finished (or killed) command printed and returned.</summary>
internal sealed record CommandResult(string CommandLine, string WorkingDirectory, int ExitCode, bool TimedOut, string Output)
{
    public bool Succeeded => !TimedOut && ExitCode == 0;

    /// <summary>The whole story of the command, for assertion messages.</summary>
    public string Describe()
    {
        string outcome = TimedOut ? "timed out and was killed" : $"exited with {ExitCode}";
        return $"`{CommandLine}` in {WorkingDirectory} {outcome}. Output:{Environment.NewLine}{Output}";
    }
}

/// <summary>Runs the dotnet CLI as a separate process, the way a user at a terminal would.</summary>
internal static class DotNetCli
{
    // The SDK that runs these tests exports its own MSBuild location to child processes; a child
    // dotnet must find its SDK by itself (global.json and all), as it would from a terminal.
    private static readonly string[] InheritedSdkVariables =
    [
        "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly",
    ];

    /// <summary>The muxer that runs this test host's SDK, or the one on the PATH.</summary>
    public static string Host { get; } =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { } host && File.Exists(host) ? host : "dotnet";

    /// <summary>
    /// Runs <c>dotnet <paramref name="arguments"/></c> in <paramref name="workingDirectory"/>, killing the
    /// process tree after <paramref name="timeout"/>. Standard output and error are captured interleaved.
    /// </summary>
    public static CommandResult Run(
        string workingDirectory,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment,
        params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(Host)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (string name in startInfo.Environment.Keys.ToList())
        {
            if (InheritedSdkVariables.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                startInfo.Environment.Remove(name);
            }
        }

        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        startInfo.Environment["DOTNET_NOLOGO"] = "1";
        startInfo.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        startInfo.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en-US";
        // A build node left behind would hold our output pipes open after the command exits.
        startInfo.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        string commandLine = "dotnet " + string.Join(" ", arguments.Select(a => a.Contains(' ') ? $"\"{a}\"" : a));
        var output = new StringBuilder();
        var outputClosed = new TaskCompletionSource();
        var errorClosed = new TaskCompletionSource();

        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Append(e.Data, outputClosed);
        process.ErrorDataReceived += (_, e) => Append(e.Data, errorClosed);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        bool exited = process.WaitForExit(timeout);
        if (!exited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(30));
        }

        // WaitForExit(timeout) does not wait for the output to drain; do, but not forever.
        Task.WhenAll(outputClosed.Task, errorClosed.Task).Wait(TimeSpan.FromSeconds(30));
        lock (output)
        {
            return new CommandResult(commandLine, workingDirectory, exited ? process.ExitCode : -1, !exited, output.ToString());
        }

        void Append(string? line, TaskCompletionSource closed)
        {
            if (line is null)
            {
                closed.TrySetResult();
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }
}
