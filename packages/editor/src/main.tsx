import type { ReactNode } from 'react'
import { createRoot } from 'react-dom/client'
import { api } from './api.js'
import { App } from './app.js'
import { TokenPrompt } from './ui/token-dialog.js'
import './theme.css'

const element = document.getElementById('root')
if (!element) throw new Error('no #root element')
const root = createRoot(element)
// the token question can come before the app is there (node types need it) and at any time after
const render = (page: ReactNode) =>
  root.render(
    <>
      {page}
      <TokenPrompt />
    </>,
  )
render(<p className="boot">Loading node types…</p>)

// the editor defines no node types itself: everything comes from the server
Promise.all([api.nodeTypes(), api.backends().catch(() => [])]).then(
  ([specs, backends]) => render(<App specs={specs} initialBackends={backends} />),
  (error: unknown) =>
    render(
      <p className="boot error">
        Cannot reach the sdflow server: {error instanceof Error ? error.message : String(error)}
      </p>,
    ),
)
