// Makes TorchSharp's native library load on systems whose libstdc++ is older than the one it was linked
// against (Debian 12, Ubuntu 22.04: GLIBCXX_3.4.30).
//
// libLibTorchSharp.so 0.107.0 declares a need for GLIBCXX_3.4.32 only because GCC 13's <iostream> references
// std::ios_base_library_init(); no relocation uses that symbol. Marking the version need weak
// (VER_FLG_WEAK in the Elf64_Vernaux entry of the SHT_GNU_verneed section) turns the loader's hard failure into
// a warning, and nothing else changes. This file holds the ELF logic (unit-tested by the test project, which
// compiles it with ELF_PATCHER_WITHOUT_MSBUILD) and the MSBuild task that Directory.Build.targets runs on the
// copies of the library in build, test and publish output folders. It never touches the NuGet cache: it
// writes a new file and renames it over the copy, which also breaks any hard link to the cache.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace RerankExperiments.Build
{
    /// <summary>A file that is not the 64-bit little-endian ELF shared object the patcher expects.</summary>
    public sealed class ElfFormatException : Exception
    {
        public ElfFormatException(string path, string problem)
            : base($"{path}: not the ELF shared object expected ({problem}).") { }
    }

    /// <summary>One version a shared object needs from another (an Elf64_Vernaux entry).</summary>
    // Plain classes, not records: MSBuild's RoslynCodeTaskFactory compiles this file against netstandard2.0.
    public sealed class ElfVersionNeed
    {
        public ElfVersionNeed(string file, string version, ushort flags, int flagsOffset)
        {
            File = file; Version = version; Flags = flags; FlagsOffset = flagsOffset;
        }
        public string File { get; }
        public string Version { get; }
        public ushort Flags { get; }
        /// <summary>Where vna_flags lies in the file.</summary>
        public int FlagsOffset { get; }
        public bool IsWeak => (Flags & ElfVersionNeeds.WeakFlag) != 0;
    }

    /// <summary>What <see cref="ElfVersionNeeds.WeakenNeed"/> did to a file.</summary>
    public enum WeakenOutcome
    {
        /// <summary>The version need was strong and is now weak.</summary>
        Weakened,
        /// <summary>The version need was weak already: the file was left untouched.</summary>
        AlreadyWeak,
        /// <summary>The file needs no such version: nothing to do.</summary>
        NotNeeded,
    }

    /// <summary>Reads and edits the GNU symbol-versioning sections of 64-bit little-endian ELF files.</summary>
    public static class ElfVersionNeeds
    {
        /// <summary>VER_FLG_WEAK: a missing version is a warning, not a load failure.</summary>
        public const ushort WeakFlag = 0x2;

        const uint ShtGnuVerdef = 0x6ffffffd;
        const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>The version names a shared object defines (its SHT_GNU_verdef section), e.g. GLIBCXX_3.4.30.</summary>
        public static IReadOnlyList<string> ReadDefinedVersions(byte[] elf, string path)
        {
            var reader = new Reader(elf, path);
            var names = new List<string>();
            foreach (var section in reader.Sections())
            {
                if (section.Type != ShtGnuVerdef) continue;
                var strings = reader.Section(section.Link);
                long entry = section.Offset;
                for (uint i = 0; i < section.Info; i++)
                {
                    ushort count = reader.U16(entry + 6);
                    long aux = entry + reader.U32(entry + 12);
                    for (int j = 0; j < count; j++)
                    {
                        names.Add(reader.String(strings, reader.U32(aux)));
                        aux += reader.U32(aux + 4);
                    }
                    uint next = reader.U32(entry + 16);
                    if (next == 0) break;
                    entry += next;
                }
            }
            return names;
        }

        /// <summary>Every version need of a shared object (its SHT_GNU_verneed section).</summary>
        public static IReadOnlyList<ElfVersionNeed> ReadNeededVersions(byte[] elf, string path)
        {
            var reader = new Reader(elf, path);
            var needs = new List<ElfVersionNeed>();
            bool found = false;
            foreach (var section in reader.Sections())
            {
                if (section.Type != ShtGnuVerneed) continue;
                found = true;
                var strings = reader.Section(section.Link);
                long entry = section.Offset;
                for (uint i = 0; i < section.Info; i++)
                {
                    ushort count = reader.U16(entry + 2);
                    string file = reader.String(strings, reader.U32(entry + 4));
                    long aux = entry + reader.U32(entry + 8);
                    for (int j = 0; j < count; j++)
                    {
                        needs.Add(new ElfVersionNeed(file, reader.String(strings, reader.U32(aux + 8)),
                            reader.U16(aux + 4), checked((int)(aux + 4))));
                        uint nextAux = reader.U32(aux + 12);
                        if (nextAux == 0) break;
                        aux += nextAux;
                    }
                    uint next = reader.U32(entry + 12);
                    if (next == 0) break;
                    entry += next;
                }
            }
            if (!found) throw new ElfFormatException(path, "no SHT_GNU_verneed section");
            return needs;
        }

        /// <summary>
        /// Marks the need for <paramref name="version"/> weak in the file at <paramref name="path"/>. The file is
        /// rewritten through a temporary file and a rename, and keeps its last-write time, so MSBuild's
        /// size-and-time check does not copy the unpatched original over it again on the next build.
        /// </summary>
        public static WeakenOutcome WeakenNeed(string path, string version)
        {
            byte[] elf = File.ReadAllBytes(path);
            WeakenOutcome outcome = WeakenOutcome.NotNeeded;
            foreach (var need in ReadNeededVersions(elf, path))
            {
                if (need.Version != version) continue;
                if (need.IsWeak) { if (outcome == WeakenOutcome.NotNeeded) outcome = WeakenOutcome.AlreadyWeak; continue; }
                ushort flags = (ushort)(need.Flags | WeakFlag);
                elf[need.FlagsOffset] = (byte)flags;
                elf[need.FlagsOffset + 1] = (byte)(flags >> 8);
                outcome = WeakenOutcome.Weakened;
            }
            if (outcome != WeakenOutcome.Weakened) return outcome;

            DateTime lastWrite = File.GetLastWriteTimeUtc(path);
            string temporary = path + ".weakening";
            File.WriteAllBytes(temporary, elf);
            File.SetLastWriteTimeUtc(temporary, lastWrite);
            // rename(2) over the old copy: atomic, and a hard link to the NuGet cache is replaced, not edited.
            File.Replace(temporary, path, null);
            return outcome;
        }

        /// <summary>
        /// The libstdc++ the dynamic loader would pick: the first in LD_LIBRARY_PATH, then the system folders;
        /// null when there is none (not Linux, or an unusual layout).
        /// </summary>
        public static string? FindSystemLibrary(string fileName, string? ldLibraryPath)
        {
            var folders = new List<string>();
            if (!string.IsNullOrEmpty(ldLibraryPath)) folders.AddRange(ldLibraryPath!.Split(':'));
            folders.AddRange(new[]
            {
                "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
                "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
            });
            foreach (var folder in folders)
            {
                if (folder.Length == 0) continue;
                string candidate = Path.Combine(folder, fileName);
                if (File.Exists(candidate)) return candidate;
            }
            return null;
        }

        readonly struct SectionHeader
        {
            public SectionHeader(uint type, long offset, long size, uint link, uint info)
            {
                Type = type; Offset = offset; Size = size; Link = link; Info = info;
            }
            public uint Type { get; }
            public long Offset { get; }
            public long Size { get; }
            public uint Link { get; }
            public uint Info { get; }
        }

        /// <summary>Bounds-checked little-endian reads; every failure names the file.</summary>
        sealed class Reader
        {
            readonly byte[] _elf;
            readonly string _path;

            public Reader(byte[] elf, string path)
            {
                _elf = elf;
                _path = path;
                if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                    throw new ElfFormatException(path, "no ELF magic");
                if (elf[4] != 2) throw new ElfFormatException(path, "not a 64-bit ELF file");
                if (elf[5] != 1) throw new ElfFormatException(path, "not little-endian");
            }

            public IEnumerable<SectionHeader> Sections()
            {
                long tableOffset = (long)U64(0x28);
                ushort entrySize = U16(0x3A);
                ushort count = U16(0x3C);
                if (count == 0) throw new ElfFormatException(_path, "no section headers");
                if (entrySize < 64) throw new ElfFormatException(_path, $"section header size {entrySize} < 64");
                for (int i = 0; i < count; i++) yield return Header(tableOffset + (long)i * entrySize);
            }

            public SectionHeader Section(uint index)
            {
                long tableOffset = (long)U64(0x28);
                ushort entrySize = U16(0x3A);
                ushort count = U16(0x3C);
                if (index >= count) throw new ElfFormatException(_path, $"section index {index} out of range");
                return Header(tableOffset + index * entrySize);
            }

            SectionHeader Header(long at)
            {
                var header = new SectionHeader(U32(at + 4), (long)U64(at + 24), (long)U64(at + 32), U32(at + 40), U32(at + 44));
                if (header.Type != 8 /* SHT_NOBITS */ && (header.Offset < 0 || header.Size < 0 || header.Offset + header.Size > _elf.Length))
                    throw new ElfFormatException(_path, "a section lies outside the file");
                return header;
            }

            public string String(SectionHeader table, uint offset)
            {
                long start = table.Offset + offset;
                long end = start;
                long limit = table.Offset + table.Size;
                if (start >= limit) throw new ElfFormatException(_path, "a string offset lies outside its string table");
                while (end < limit && _elf[end] != 0) end++;
                return Encoding.ASCII.GetString(_elf, (int)start, (int)(end - start));
            }

            public ushort U16(long at) { Check(at, 2); return (ushort)(_elf[at] | _elf[at + 1] << 8); }
            public uint U32(long at) { Check(at, 4); return BitConverter.ToUInt32(_elf, (int)at); }
            ulong U64(long at) { Check(at, 8); return BitConverter.ToUInt64(_elf, (int)at); }

            void Check(long at, int size)
            {
                if (at < 0 || at + size > _elf.Length) throw new ElfFormatException(_path, $"a read at offset {at} runs past the end");
            }
        }
    }

#if !ELF_PATCHER_WITHOUT_MSBUILD
    /// <summary>
    /// MSBuild task: weakens <see cref="Version"/> in each of <see cref="Files"/> when the system library
    /// <see cref="SystemLibrary"/> lacks it; does nothing where the system provides it.
    /// </summary>
    public sealed class WeakenElfVersionNeed : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required] public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();
        [Microsoft.Build.Framework.Required] public string Version { get; set; } = "";
        [Microsoft.Build.Framework.Required] public string SystemLibrary { get; set; } = "";

        public override bool Execute()
        {
            if (Files.Length == 0) return true;
            string? system = ElfVersionNeeds.FindSystemLibrary(SystemLibrary, Environment.GetEnvironmentVariable("LD_LIBRARY_PATH"));
            if (system is null)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, $"No {SystemLibrary} found; TorchSharp load fix not applied.");
                return true;
            }
            try
            {
                if (System.Linq.Enumerable.Contains(ElfVersionNeeds.ReadDefinedVersions(File.ReadAllBytes(system), system), Version))
                {
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, $"{system} provides {Version}; TorchSharp load fix not needed.");
                    return true;
                }
            }
            catch (ElfFormatException error)
            {
                Log.LogWarning($"Could not read the versions of {system}: {error.Message} TorchSharp load fix not applied.");
                return true;
            }
            foreach (var item in Files)
            {
                string path = item.GetMetadata("FullPath");
                try
                {
                    var outcome = ElfVersionNeeds.WeakenNeed(path, Version);
                    var importance = outcome == WeakenOutcome.Weakened ? Microsoft.Build.Framework.MessageImportance.High : Microsoft.Build.Framework.MessageImportance.Low;
                    Log.LogMessage(importance, $"TorchSharp load fix: {path}: {Version} {outcome} ({system} lacks it).");
                }
                catch (ElfFormatException error)
                {
                    Log.LogError($"TorchSharp load fix: {error.Message} Expected TorchSharp's libLibTorchSharp.so (x86-64/aarch64 ELF with a version-needs section).");
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
