//go:build unix

package state

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// roChildEnv names the state a re-executed test opens as another user.
const roChildEnv = "KOPLA_STATE_TEST_READONLY"

// A state in a directory this user cannot write opens read-only, and Open
// (read-write) says why it cannot. Run as root, the test runs itself again
// as nobody, for whom the permissions hold.
func TestOpenReadOnlyDirectory(t *testing.T) {
	if path := os.Getenv(roChildEnv); path != "" {
		readOnlyChild(t, path)
		return
	}
	dir, path := seedState(t)
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	if os.Geteuid() != 0 {
		readOnlyChild(t, path)
		return
	}
	// nobody must reach the directory and run a copy of this test binary.
	for d := filepath.Dir(dir); d != "/" && strings.HasPrefix(d, os.TempDir()) && d != filepath.Clean(os.TempDir()); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(filepath.Dir(dir), "state.test")
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestOpenReadOnlyDirectory$", "-test.v")
	cmd.Env = append(os.Environ(), roChildEnv+"="+path, "HOME=/", "GOCACHE=/nonexistent", "TMPDIR="+os.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestOpenReadOnlyDirectory") {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
}

func readOnlyChild(t *testing.T, path string) {
	if _, err := Open(t.Context(), path); err == nil {
		t.Error("Open (read-write) in a read-only directory succeeded")
	} else if !strings.Contains(err.Error(), path) {
		t.Errorf("Open error %q does not name the file", err)
	}
	s, err := OpenReadOnly(t.Context(), path)
	if err != nil {
		t.Fatalf("OpenReadOnly in a read-only directory: %v", err)
	}
	defer s.Close()
	checkReadOnlyStore(t, s)
}
