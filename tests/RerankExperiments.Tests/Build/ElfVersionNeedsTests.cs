using System.Text;
using RerankExperiments.Build;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Build;

/// <summary>The logic behind the TorchSharp load fix (build/ElfVersionNeeds.cs), on real and hand-built ELF files.</summary>
public sealed class ElfVersionNeedsTests : IDisposable
{
    const string Needed = "GLIBCXX_3.4.32";
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    /// <summary>
    /// A minimal ELF64 shared object: section 0 null, 1 a string table, 2 a version-needs section with one
    /// Verneed (libstdc++.so.6) and two Vernaux entries (GLIBCXX_3.4.30, GLIBCXX_3.4.32).
    /// </summary>
    static byte[] HandBuiltElf()
    {
        var strings = new MemoryStream();
        strings.WriteByte(0);
        int Add(string s) { int at = (int)strings.Length; strings.Write(Encoding.ASCII.GetBytes(s + "\0")); return at; }
        int file = Add("libstdc++.so.6"), v30 = Add("GLIBCXX_3.4.30"), v32 = Add(Needed);
        byte[] strtab = strings.ToArray();

        var verneed = new byte[16 + 16 + 16];
        void U16(byte[] b, int at, int v) => BitConverter.TryWriteBytes(b.AsSpan(at, 2), (ushort)v);
        void U32(byte[] b, int at, long v) => BitConverter.TryWriteBytes(b.AsSpan(at, 4), (uint)v);
        U16(verneed, 0, 1); U16(verneed, 2, 2); U32(verneed, 4, file); U32(verneed, 8, 16); U32(verneed, 12, 0);
        U32(verneed, 16, 0x1234); U16(verneed, 20, 0); U16(verneed, 22, 2); U32(verneed, 24, v30); U32(verneed, 28, 16);
        U32(verneed, 32, 0x5678); U16(verneed, 36, 0); U16(verneed, 38, 3); U32(verneed, 40, v32); U32(verneed, 44, 0);

        int strtabAt = 64, verneedAt = strtabAt + strtab.Length, sectionsAt = verneedAt + verneed.Length;
        var elf = new byte[sectionsAt + 3 * 64];
        elf[0] = 0x7f; elf[1] = (byte)'E'; elf[2] = (byte)'L'; elf[3] = (byte)'F'; elf[4] = 2; elf[5] = 1; elf[6] = 1;
        BitConverter.TryWriteBytes(elf.AsSpan(0x28, 8), (ulong)sectionsAt);
        U16(elf, 0x3A, 64); U16(elf, 0x3C, 3);
        strtab.CopyTo(elf, strtabAt);
        verneed.CopyTo(elf, verneedAt);
        void Section(int index, uint type, int offset, int size, uint link, uint info)
        {
            int at = sectionsAt + index * 64;
            U32(elf, at + 4, type);
            BitConverter.TryWriteBytes(elf.AsSpan(at + 24, 8), (ulong)offset);
            BitConverter.TryWriteBytes(elf.AsSpan(at + 32, 8), (ulong)size);
            U32(elf, at + 40, link); U32(elf, at + 44, info);
        }
        Section(1, 3, strtabAt, strtab.Length, 0, 0);
        Section(2, 0x6ffffffe, verneedAt, verneed.Length, 1, 1);
        return elf;
    }

    [Fact]
    public void Reads_every_version_need_of_a_hand_built_file()
    {
        var needs = ElfVersionNeeds.ReadNeededVersions(HandBuiltElf(), "hand.so");
        Assert.Equal(["GLIBCXX_3.4.30", Needed], needs.Select(n => n.Version));
        Assert.All(needs, n => Assert.Equal("libstdc++.so.6", n.File));
        Assert.All(needs, n => Assert.False(n.IsWeak));
    }

    [Fact]
    public void Weakening_flips_one_flag_bit_is_idempotent_and_keeps_the_timestamp()
    {
        string path = _directory.File("hand.so");
        byte[] original = HandBuiltElf();
        File.WriteAllBytes(path, original);
        var stamp = new DateTime(2026, 5, 7, 10, 3, 28, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, stamp);

        Assert.Equal(WeakenOutcome.Weakened, ElfVersionNeeds.WeakenNeed(path, Needed));
        byte[] patched = File.ReadAllBytes(path);
        var differences = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        int flags = ElfVersionNeeds.ReadNeededVersions(original, path).Single(n => n.Version == Needed).FlagsOffset;
        Assert.Equal([flags], differences);
        Assert.Equal(ElfVersionNeeds.WeakFlag, patched[flags]);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(path));
        Assert.False(ElfVersionNeeds.ReadNeededVersions(patched, path).Single(n => n.Version == "GLIBCXX_3.4.30").IsWeak);

        File.SetLastWriteTimeUtc(path, stamp.AddHours(1));
        Assert.Equal(WeakenOutcome.AlreadyWeak, ElfVersionNeeds.WeakenNeed(path, Needed));
        Assert.Equal(stamp.AddHours(1), File.GetLastWriteTimeUtc(path));
        Assert.Equal(WeakenOutcome.NotNeeded, ElfVersionNeeds.WeakenNeed(path, "GLIBCXX_9.9"));
        Assert.Empty(Directory.GetFiles(_directory.Path, "*.weakening"));
    }

    [Fact]
    public void Files_that_are_not_the_expected_elf_get_a_clear_error_naming_them()
    {
        string text = _directory.File("libLibTorchSharp.so");
        File.WriteAllText(text, "this is a linker script, not a library");
        var error = Assert.Throws<ElfFormatException>(() => ElfVersionNeeds.WeakenNeed(text, Needed));
        Assert.Contains(text, error.Message);
        Assert.Contains("no ELF magic", error.Message);

        byte[] elf32 = HandBuiltElf();
        elf32[4] = 1;
        Assert.Contains("64-bit", Assert.Throws<ElfFormatException>(() => ElfVersionNeeds.ReadNeededVersions(elf32, "x.so")).Message);

        byte[] truncated = HandBuiltElf()[..100];
        Assert.Throws<ElfFormatException>(() => ElfVersionNeeds.ReadNeededVersions(truncated, "cut.so"));

        byte[] noVerneed = HandBuiltElf();
        BitConverter.TryWriteBytes(noVerneed.AsSpan(0x3C, 2), (ushort)2);
        Assert.Contains("SHT_GNU_verneed", Assert.Throws<ElfFormatException>(() => ElfVersionNeeds.ReadNeededVersions(noVerneed, "x.so")).Message);
    }

    static string? NuGetOriginal()
    {
        string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string path = Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        return File.Exists(path) ? path : null;
    }

    [Fact]
    public void The_real_library_needs_the_version_and_the_build_weakened_only_its_own_copy()
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess) return;
        string? system = ElfVersionNeeds.FindSystemLibrary("libstdc++.so.6", Environment.GetEnvironmentVariable("LD_LIBRARY_PATH"));
        Assert.NotNull(system);
        bool systemHasIt = ElfVersionNeeds.ReadDefinedVersions(File.ReadAllBytes(system), system).Contains(Needed);

        string copy = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        var copyNeed = ElfVersionNeeds.ReadNeededVersions(File.ReadAllBytes(copy), copy).Single(n => n.Version == Needed);
        Assert.Equal("libstdc++.so.6", copyNeed.File);
        Assert.Equal(!systemHasIt, copyNeed.IsWeak);

        string? original = NuGetOriginal();
        if (original is null) return;
        var originalNeed = ElfVersionNeeds.ReadNeededVersions(File.ReadAllBytes(original), original).Single(n => n.Version == Needed);
        Assert.False(originalNeed.IsWeak);
    }

    [Fact]
    public void Reads_the_versions_the_system_libstdcxx_defines()
    {
        if (!OperatingSystem.IsLinux()) return;
        string? system = ElfVersionNeeds.FindSystemLibrary("libstdc++.so.6", null);
        Assert.NotNull(system);
        var defined = ElfVersionNeeds.ReadDefinedVersions(File.ReadAllBytes(system), system);
        Assert.Contains("GLIBCXX_3.4", defined);
        Assert.Contains("GLIBCXX_3.4.30", defined);
        Assert.Contains("CXXABI_1.3", defined);
    }
}
