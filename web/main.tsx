/**
 * The Nexus dashboard: fleet, charts, live requests and models on one page, updated by the
 * events stream. Bundled with Preact and uPlot into the binary by scripts/build-ui.ts.
 */
import "./style.css";
import "uplot/dist/uPlot.min.css";
import { render } from "preact";
import { useState } from "preact/hooks";
import { Charts } from "./charts.tsx";
import { Detail } from "./detail.tsx";
import { Fleet } from "./fleet.tsx";
import { Header } from "./header.tsx";
import { Models } from "./models.tsx";
import { Notice, type NoticeState } from "./notice.tsx";
import { Requests } from "./requests.tsx";
import { connect, useStore } from "./store.ts";
import type { Completed } from "./types.ts";

function App() {
  const state = useStore();
  const [notice, setNotice] = useState<NoticeState | undefined>(undefined);
  const [selected, setSelected] = useState<Completed | undefined>(undefined);
  const canAct = state.admin !== "off";
  return (
    <>
      <a class="skip" href="#requests">Skip to requests</a>
      <Header state={state} />
      <main>
        <Notice notice={notice} />
        {state.loading ? <p class="muted">Connecting to Nexus…</p> : (
          <>
            <Fleet state={state} canAct={canAct} onResult={setNotice} />
            <Charts state={state} />
            <Requests state={state} onSelect={setSelected} />
            <Models state={state} canAct={canAct} onResult={setNotice} />
          </>
        )}
      </main>
      {selected && <Detail request={selected} onClose={() => setSelected(undefined)} />}
    </>
  );
}

connect();
render(<App />, document.getElementById("app")!);
