package sandbox_test

import (
	"context"
	"fmt"
	"log"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting"
	"github.com/kopla-dev/kopla/connectors/hubspot"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/sandbox"
)

// A sandbox run: start the fakes, then build the engine with the sandbox's
// ConnectionConfig and LookupEnv, so that every hubspot and eaccounting
// connection of the project talks to the fakes.
func Example() {
	sb, err := sandbox.Start(context.Background(), sandbox.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()

	reg := connectors.NewRegistry()
	for _, f := range []connectors.Factory{hubspot.New(), eaccounting.New()} {
		if err := reg.Register(f); err != nil {
			log.Fatal(err)
		}
	}
	eng := engine.New(engine.Options{Registry: reg, ConnectionConfig: sb.ConnectionConfig, LookupEnv: sb.LookupEnv})
	_ = eng // eng.Compile(cfg) with a cfg loaded by dsl.Load(dir, dsl.Options{LookupEnv: sb.LookupEnv})

	fmt.Println(len(sb.HubSpot().Objects("contacts")), "contacts,", len(sb.HubSpot().Objects("orders")), "orders")
	// Output: 50 contacts, 20 orders
}
