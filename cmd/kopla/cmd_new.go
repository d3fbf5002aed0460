package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
)

const newUsage = `Usage: kopla [global options] new [options] [DIR]

  Create a project in DIR (default: the current directory) from kopla's
  HubSpot <-> eAccounting flow library, guided: sign in to both systems,
  choose the flows, answer the library's settings (each with its
  description and default; answers kopla can check against the accounts,
  such as the freight article or the default debtor, are looked up), then
  write main.hcl, .kopla.vars (the credentials, readable only by you) and
  .gitignore, and run validate, init -check and a plan.

  Every question has a flag, so the same setup runs in CI: with -yes (or
  when stdin is not a terminal) nothing is asked, a question without a flag
  takes its default, and a bad or missing answer fails naming the flag.
  Secrets are read from the environment when no flag gives them:
  HUBSPOT_TOKEN, HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET,
  EACCOUNTING_CLIENT_ID, EACCOUNTING_CLIENT_SECRET.

  With -sandbox, the project is created against the built-in fakes with
  their demo data (offline; credentials are the sandbox's), and its plan
  runs there too: kopla -chdir=DIR apply -sandbox then applies it.

  A directory that holds a project already is refused unless -force.
`

type newArgs struct {
	globalArgs
	dir          string
	sandbox      bool
	force        bool
	yes          bool
	flows        []string
	library      string
	hubspotAuth  string
	hubspotToken string
	hubspotID    string
	hubspotSec   string
	eaID         string
	eaSecret     string
	noLogin      bool
	listen       string
}

func parseNew(args []string) (*newArgs, *flagSet, error) {
	a := &newArgs{}
	f := newFlagSet("new")
	f.fs.BoolVar(&a.sandbox, "sandbox", false, "Create the project against the built-in HubSpot and eAccounting fakes (offline, demo data).")
	f.fs.BoolVar(&a.force, "force", false, "Overwrite the main.hcl and .kopla.vars of a project in DIR (the state in .kopla/ is kept).")
	f.fs.BoolVar(&a.yes, "yes", false, "Ask nothing: take the flags' answers and the defaults (also when stdin is not a terminal).")
	f.fs.StringArrayVar(&a.flows, "flow", nil, "Run the library flow `NAME` (repeatable, or comma-separated; default: the library's default flows).")
	f.fs.StringVar(&a.library, "library", "", "Use the flow library in `DIR` (default: copy the built-in library into the project's flows/).")
	f.fs.StringVar(&a.hubspotAuth, "hubspot-auth", "", "How to sign in to HubSpot: `token` (a private app, the default) or oauth (an OAuth app and kopla login).")
	f.fs.StringVar(&a.hubspotToken, "hubspot-token", "", "The HubSpot private app `TOKEN` (default: $HUBSPOT_TOKEN).")
	f.fs.StringVar(&a.hubspotID, "hubspot-client-id", "", "The HubSpot OAuth app's client `ID` (default: $HUBSPOT_CLIENT_ID).")
	f.fs.StringVar(&a.hubspotSec, "hubspot-client-secret", "", "The HubSpot OAuth app's client `SECRET` (default: $HUBSPOT_CLIENT_SECRET).")
	f.fs.StringVar(&a.eaID, "eaccounting-client-id", "", "The eAccounting API application's client `ID` (default: $EACCOUNTING_CLIENT_ID).")
	f.fs.StringVar(&a.eaSecret, "eaccounting-client-secret", "", "The eAccounting API application's client `SECRET` (default: $EACCOUNTING_CLIENT_SECRET).")
	f.fs.BoolVar(&a.noLogin, "no-login", false, "Do not run the OAuth logins: use the tokens kopla login stored, or EACCOUNTING_REFRESH_TOKEN (CI).")
	f.fs.StringVar(&a.listen, "listen", "", "Listen for the OAuth login redirects on `ADDR` (default: 127.0.0.1 on a free port).")
	f.globals(&a.globalArgs)
	rest, err := f.parse(args)
	if err != nil {
		return a, f, err
	}
	switch {
	case len(rest) > 1:
		return a, f, usagef(f.cmd, "unexpected argument %q: new takes one directory", rest[1])
	case len(rest) == 1:
		a.dir = rest[0]
	}
	var flows []string
	for _, fl := range a.flows {
		for _, n := range strings.Split(fl, ",") {
			if n = strings.TrimSpace(n); n != "" {
				flows = append(flows, n)
			}
		}
	}
	a.flows = flows
	if a.hubspotAuth != "" && a.hubspotAuth != "token" && a.hubspotAuth != "oauth" {
		return a, f, usagef(f.cmd, "-hubspot-auth is token or oauth, not %q", a.hubspotAuth)
	}
	return a, f, nil
}

func (c *cli) newProject(ctx context.Context, args []string) int {
	a, f, err := parseNew(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	fail := func(err error) int {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(c.stdout, "\nkopla new was interrupted.")
			return exitError
		}
		fmt.Fprintf(c.stderr, "Error: %s\n", engine.Sentence(err.Error()))
		return exitError
	}
	dir := a.dir
	if dir == "" {
		dir = c.dir()
	} else if c.global.chdir != "" && !filepath.IsAbs(dir) {
		dir = filepath.Join(c.global.chdir, dir)
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return fail(err)
	}
	if name := existingProject(dir); name != "" && !a.force {
		return fail(fmt.Errorf("%s already holds a kopla project (%s); kopla new does not overwrite it. Run it with -force to write main.hcl and %s anew (the state in .kopla/ is kept), or name another directory", dir, name, dsl.VarsFile))
	}
	answers, err := c.global.varMap()
	if err != nil {
		return fail(err)
	}
	// The answers are written into the project; the commands run after it
	// must not see them again as -var.
	c.global.vars, c.global.varFiles = nil, nil
	c.global.chdir = dir

	// Until the project is complete, a failure takes back what was written.
	snap := takeSnapshot(dir)
	done := false
	defer func() {
		if !done {
			snap.restore()
		}
	}()
	ask := &asker{out: c.stdout, in: bufio.NewReader(c.stdin), stdin: c.stdin, interactive: !a.yes && c.isTerminal(c.stdin)}
	proj := &newProject{dir: dir}
	if a.library == "" {
		if err := copyLibrary(filepath.Join(dir, "flows")); err != nil {
			return fail(err)
		}
		proj.library = "flows"
	} else {
		lib, err := filepath.Abs(a.library)
		if err == nil {
			proj.library, err = filepath.Rel(dir, lib)
		}
		if err != nil {
			return fail(fmt.Errorf("-library %s: %w", a.library, err))
		}
		proj.library = filepath.ToSlash(proj.library)
	}

	if a.sandbox {
		stop, ok := c.startSandbox(ctx)
		if !ok {
			return exitError
		}
		defer stop()
	}
	st := style{c.color()}
	fmt.Fprintf(c.stdout, "%s Creating a kopla project in %s.\n", st.bold("kopla new:"), dir)

	p, err := c.signIn(ctx, ask, a, proj)
	if err != nil {
		return fail(err)
	}
	cfg := p.Config()
	libDir := cfg.Libraries[libraryName].Dir
	libFlows, libVars := libraryOf(cfg, libDir)

	chosen, switches, err := c.chooseFlows(ctx, ask, a, libFlows)
	if err != nil {
		p.Close()
		return fail(err)
	}
	proj.flows = chosen
	checker := &accountChecker{p: p, conns: cfg.Libraries[libraryName].Connections}
	proj.settings, err = c.askSettings(ctx, ask, libFlows, libVars, chosen, switches, answers, checker)
	p.Close()
	if err != nil {
		return fail(err)
	}
	if err := proj.write(); err != nil {
		return fail(err)
	}
	done = true
	fmt.Fprintf(c.stdout, "\nWrote %s and %s.\n", filepath.Join(dir, "main.hcl"), filepath.Join(dir, dsl.VarsFile))

	// Then the checks a person would run by hand.
	for _, step := range []struct {
		title string
		run   func() int
	}{
		{"kopla validate", func() int { defer func() { c.offline = false }(); return c.validate(ctx, nil) }},
		{"kopla init -check", func() int { return c.init(ctx, []string{"-check"}) }},
		{"kopla plan", func() int { return c.plan(ctx, nil) }},
	} {
		fmt.Fprintf(c.stdout, "\n%s\n\n", st.bold("$ "+step.title))
		if code := step.run(); code != exitOK {
			fmt.Fprintf(c.stdout, "\n%s stopped at %s: the project is written; fix what it says and run it again (with -chdir=%s).\n", st.bold(st.red("kopla new:")), step.title, dir)
			return code
		}
	}
	next := "kopla -chdir=" + dir + " apply"
	if a.sandbox {
		next += " -sandbox"
	}
	fmt.Fprintf(c.stdout, "\n%s The project is ready. Run %s to make these changes.\n", st.bold(st.green("kopla new: done.")), next)
	return exitOK
}

// signIn asks for the credentials, writes a first project with them (the
// library's defaults), runs the OAuth logins and checks that both accounts
// answer. It returns the compiled project.
func (c *cli) signIn(ctx context.Context, ask *asker, a *newArgs, proj *newProject) (*engine.Project, error) {
	given := func(flag, envName string) (string, bool) {
		if flag != "" {
			return flag, true
		}
		v, ok := c.lookupEnv(envName)
		return v, ok && v != ""
	}
	if c.sb != nil {
		// The fakes' credentials; sandbox runs replace them anyway.
		creds := map[string]string{}
		for _, cr := range c.sb.Credentials() {
			creds[cr.Kind+"."+cr.Setting] = cr.Value
		}
		proj.secrets = []secret{
			{name: "hubspot_token", description: "Access token of the HubSpot private app (the sandbox's).", value: creds["hubspot.token"], sensitive: true},
			{name: "eaccounting_client_id", description: "Client id of the Visma eAccounting API application (the sandbox's).", value: creds["eaccounting.client_id"]},
			{name: "eaccounting_client_secret", description: "Client secret of the Visma eAccounting API application (the sandbox's).", value: creds["eaccounting.client_secret"], sensitive: true},
		}
		fmt.Fprintln(c.stdout, "Signing in to the sandbox's HubSpot and eAccounting (demo data; nothing leaves this machine).")
		return c.loginAndProbe(ctx, a, proj, nil)
	}
	var attempt func() (*engine.Project, error)
	attempt = func() (*engine.Project, error) {
		auth := a.hubspotAuth
		if auth == "" {
			var err error
			auth, err = ask.ask(ctx, question{
				prompt: "HubSpot: sign in with a private app token or an OAuth app (token/oauth)?",
				what:   "The HubSpot sign-in",
				help:   "HubSpot: a private app (Settings > Integrations > Private apps) gives a token; an OAuth app signs in through the browser.",
				flag:   "-hubspot-auth", def: "token", hasDef: true,
				check: func(_ context.Context, s string) (string, error) {
					if s != "token" && s != "oauth" {
						return "", errors.New("answer token or oauth")
					}
					return s, nil
				},
			})
			if err != nil {
				return nil, err
			}
		}
		proj.hubspotOAuth = auth == "oauth"
		var secrets []secret
		for _, s := range proj.secretVars() {
			flag, envName, help := "", "", ""
			switch s.name {
			case "hubspot_token":
				flag, envName, help = a.hubspotToken, "HUBSPOT_TOKEN", "The private app's access token (HubSpot: the app's Auth tab)."
			case "hubspot_client_id":
				flag, envName, help = a.hubspotID, "HUBSPOT_CLIENT_ID", "The OAuth app's client id and secret (HubSpot developer account: the app's Auth tab)."
			case "hubspot_client_secret":
				flag, envName = a.hubspotSec, "HUBSPOT_CLIENT_SECRET"
			case "eaccounting_client_id":
				flag, envName, help = a.eaID, "EACCOUNTING_CLIENT_ID", "eAccounting: the client id and secret of your application in the Visma Developer Portal."
			case "eaccounting_client_secret":
				flag, envName = a.eaSecret, "EACCOUNTING_CLIENT_SECRET"
			}
			v, set := given(flag, envName)
			answer, err := ask.ask(ctx, question{
				prompt: s.description, help: help, secret: s.sensitive, what: "The credential " + s.name,
				flag:  "-" + strings.ReplaceAll(s.name, "_", "-") + " or " + envName,
				given: v, set: set,
				check: func(_ context.Context, s string) (string, error) {
					if strings.TrimSpace(s) == "" {
						return "", errors.New("it cannot be empty")
					}
					return strings.TrimSpace(s), nil
				},
			})
			if err != nil {
				return nil, err
			}
			s.value = answer
			secrets = append(secrets, s)
		}
		proj.secrets = secrets
		return c.loginAndProbe(ctx, a, proj, ask)
	}
	for n := 1; ; n++ {
		p, err := attempt()
		var refused *refusedError
		if err == nil || !errors.As(err, &refused) || !ask.interactive || n == 3 || ctx.Err() != nil {
			return p, err
		}
		fmt.Fprintf(c.stdout, "  %s\n  Give the credentials of %s again.\n", engine.Sentence(err.Error()), refused.conn)
		// Ask again what the flags or the environment gave.
		a.hubspotToken, a.hubspotID, a.hubspotSec, a.eaID, a.eaSecret = "", "", "", "", ""
		c.lookupEnv = withoutCredentials(c.lookupEnv)
	}
}

// refusedError is a connection whose account refused the credentials.
type refusedError struct {
	conn string
	err  error
}

func (e *refusedError) Error() string { return fmt.Sprintf("%s: %s", e.conn, e.err) }
func (e *refusedError) Unwrap() error { return e.err }

func withoutCredentials(look func(string) (string, bool)) func(string) (string, bool) {
	return func(name string) (string, bool) {
		switch name {
		case "HUBSPOT_TOKEN", "HUBSPOT_CLIENT_ID", "HUBSPOT_CLIENT_SECRET", "EACCOUNTING_CLIENT_ID", "EACCOUNTING_CLIENT_SECRET":
			return "", false
		}
		return look(name)
	}
}

// loginAndProbe writes the project as it stands, compiles it, runs the
// OAuth logins (the connectors' own, as kopla login does) and checks that
// each account answers.
func (c *cli) loginAndProbe(ctx context.Context, a *newArgs, proj *newProject, ask *asker) (*engine.Project, error) {
	if err := proj.write(); err != nil {
		return nil, err
	}
	p, cfg, diags := c.compile()
	if diags.HasErrors() {
		dsl.WriteDiagnostics(c.stdout, diags, cfg.Files, c.color())
		return nil, errors.New("the project kopla new wrote does not compile (see above)")
	}
	for _, key := range []string{"hubspot.shop", "eaccounting.books"} {
		if key == "hubspot.shop" && !proj.hubspotOAuth || a.noLogin {
			continue
		}
		conn, err := p.Connector(ctx, key)
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("open %s: %w", key, err)
		}
		lf, ok := conn.(connectors.LoginFlow)
		if !ok {
			continue
		}
		fmt.Fprintf(c.stdout, "\nSigning in to %s (kopla login %s)...\n", key, key)
		ui := connectors.LoginUI{Out: c.stdout, ListenAddr: a.listen}
		if c.sb != nil {
			// The fake's consent page approves at once: following its
			// redirect is the whole browser's part.
			ui.OpenURL = func(u string) error {
				resp, err := http.Get(u)
				if err != nil {
					return err
				}
				return resp.Body.Close()
			}
		}
		if err := lf.Login(ctx, ui); err != nil {
			p.Close()
			return nil, &refusedError{conn: key, err: err}
		}
	}
	for _, key := range []string{"hubspot.shop", "eaccounting.books"} {
		if err := probe(ctx, p, key); err != nil {
			p.Close()
			return nil, &refusedError{conn: key, err: err}
		}
		fmt.Fprintf(c.stdout, "Signed in to %s: the account answers.\n", key)
	}
	return p, nil
}

// chooseFlows asks which library flows to run. It adds the flows a chosen
// flow ensures, and returns the switch variables the choice sets (the
// variable an enabled expression reads: order_target = "invoice").
func (c *cli) chooseFlows(ctx context.Context, ask *asker, a *newArgs, fl []*libraryFlow) ([]string, map[string]cty.Value, error) {
	byName := map[string]*libraryFlow{}
	var names, defaults []string
	var list strings.Builder
	list.WriteString("Flows of the library (docs/flows describes each):\n")
	for i, f := range fl {
		byName[f.name] = f
		names = append(names, f.name)
		mark := " "
		if f.enabled {
			defaults = append(defaults, f.name)
			mark = "*"
		}
		fmt.Fprintf(&list, "  %s %2d. %-30s %s -> %s\n", mark, i+1, f.name, f.source, f.target)
	}
	list.WriteString("  (* the default)")
	var result []string
	var switches map[string]cty.Value
	check := func(_ context.Context, answer string) (string, error) {
		var picked []string
		if strings.TrimSpace(answer) == "all" {
			picked = slices.Clone(names)
		}
		for _, s := range strings.Split(answer, ",") {
			s = strings.TrimSpace(s)
			if s == "" || s == "all" {
				continue
			}
			if n, err := strconv.Atoi(s); err == nil {
				if n < 1 || n > len(fl) {
					return "", fmt.Errorf("there is no flow %d: answer numbers from 1 to %d, or names", n, len(fl))
				}
				s = fl[n-1].name
			}
			if _, ok := byName[s]; !ok {
				msg := fmt.Sprintf("the library has no flow %q", s)
				if sug := connectors.Suggest(s, names); sug != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", sug)
				}
				return "", errors.New(msg)
			}
			if !slices.Contains(picked, s) {
				picked = append(picked, s)
			}
		}
		if len(picked) == 0 {
			return "", errors.New("choose at least one flow")
		}
		// The flows a chosen one ensures run too.
		for i := 0; i < len(picked); i++ {
			for _, dep := range byName[picked[i]].ensures {
				if _, ok := byName[dep]; ok && !slices.Contains(picked, dep) {
					fmt.Fprintf(ask.out, "  %s ensures records through %s, which is added.\n", picked[i], dep)
					picked = append(picked, dep)
				}
			}
		}
		sw := map[string]cty.Value{}
		by := map[string]string{}
		for _, name := range picked {
			f := byName[name]
			if f.switchVar == "" {
				continue
			}
			if prev, ok := sw[f.switchVar]; ok && !prev.RawEquals(f.switchValue) {
				return "", fmt.Errorf("%s and %s exclude each other: %s runs with %s = %s, %s with %s = %s; choose one",
					by[f.switchVar], name, by[f.switchVar], f.switchVar, valueText(prev), name, f.switchVar, valueText(f.switchValue))
			}
			sw[f.switchVar], by[f.switchVar] = f.switchValue, name
		}
		// In the library's order.
		slices.SortFunc(picked, func(x, y string) int { return slices.Index(names, x) - slices.Index(names, y) })
		result, switches = picked, sw
		return strings.Join(picked, ","), nil
	}
	_, err := ask.ask(ctx, question{
		prompt: "Flows to run (numbers or names, comma-separated; all)?",
		what:   "The flows",
		help:   list.String(),
		flag:   "-flow NAME",
		given:  strings.Join(a.flows, ","), set: len(a.flows) > 0,
		def: strings.Join(defaults, ","), hasDef: true,
		check: check,
	})
	if err != nil {
		return nil, nil, err
	}
	return result, switches, nil
}

// askSettings asks each library setting of the chosen flows with its
// description and default, checking the answers it can against the
// accounts. A setting that a flow choice decides (order_target) is not
// asked; a map is not asked either (its default is kept unless -var sets
// it); the variables of a file none of whose flows runs are left out.
func (c *cli) askSettings(ctx context.Context, ask *asker, fl []*libraryFlow, vs []*libraryVar, chosen []string,
	switches map[string]cty.Value, answers map[string]string, checker *accountChecker) ([]setting, error) {
	files := map[string]bool{} // files with flows -> one of them runs
	flowFile := map[string]bool{}
	for _, f := range fl {
		file := f.file
		flowFile[file] = true
		if slices.Contains(chosen, f.name) {
			files[file] = true
		}
	}
	known := map[string]bool{}
	for _, v := range vs {
		known[v.name] = true
	}
	var names []string
	for name := range answers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !known[name] {
			var all []string
			for _, v := range vs {
				all = append(all, v.name)
			}
			msg := fmt.Sprintf("-var %s: the library has no setting %q", name, name)
			if sug := connectors.Suggest(name, all); sug != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", sug)
			}
			return nil, errors.New(msg)
		}
	}
	var out []setting
	var kept []string
	for _, v := range vs {
		raw, given := answers[v.name]
		if sw, ok := switches[v.name]; ok {
			if given {
				if val, err := parseSetting(v, raw); err != nil || !val.RawEquals(sw) {
					return nil, fmt.Errorf("-var %s=%s contradicts the flows chosen, which need %s = %s", v.name, raw, v.name, valueText(sw))
				}
			}
			fmt.Fprintf(c.stdout, "\n%s = %s (the flows chosen need it).\n", v.name, valueText(sw))
			out = append(out, setting{name: v.name, description: v.description, value: sw})
			continue
		}
		if flowFile[v.file] && !files[v.file] && !given {
			continue
		}
		if v.kind == "" && !given {
			kept = append(kept, v.name)
			continue
		}
		var val cty.Value
		q := question{
			prompt: v.name + "?",
			what:   "The setting " + v.name,
			help:   v.description,
			flag:   "-var " + v.name + "=VALUE",
			given:  raw, set: given,
			def: valueText(v.def), hasDef: true,
			check: func(ctx context.Context, answer string) (string, error) {
				x, err := parseSetting(v, answer)
				if err != nil {
					return "", err
				}
				if v.kind == "string" || v.kind == "number" {
					if err := checker.check(ctx, v.name, answer); err != nil {
						return "", err
					}
				}
				val = x
				return answer, nil
			},
		}
		if _, err := ask.ask(ctx, q); err != nil {
			return nil, err
		}
		out = append(out, setting{name: v.name, description: v.description, value: val})
	}
	if len(kept) > 0 {
		fmt.Fprintf(c.stdout, "\nKept at their defaults (maps: set them in main.hcl's library vars, or with -var name='{...}'): %s.\n", strings.Join(kept, ", "))
	}
	return out, nil
}
