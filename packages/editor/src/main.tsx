import { createRoot } from 'react-dom/client'
import { api } from './api.js'
import { App } from './app.js'
import './theme.css'

const element = document.getElementById('root')
if (!element) throw new Error('no #root element')
const root = createRoot(element)
root.render(<p className="boot">Loading node types…</p>)

// the editor defines no node types itself: everything comes from the server
Promise.all([api.nodeTypes(), api.backends().catch(() => [])]).then(
  ([specs, backends]) => root.render(<App specs={specs} initialBackends={backends} />),
  (error: unknown) =>
    root.render(
      <p className="boot error">
        Cannot reach the sdflow server: {error instanceof Error ? error.message : String(error)}
      </p>,
    ),
)
