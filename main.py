from mae_studio.__main__ import main

raise SystemExit(main())
